#!/usr/bin/env bash
# Real writers' hands (tests/data/ink/handwriting-fonts.jsonl, 19 writers x 10 digits x 4
# drawings): learning from *other* writers (writers A train or adapt, writers B test, two
# splits chosen by writer number alone) and from one's *own* drawings (adapt on each
# writer's first two drawings of every digit, test on the other two).
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build -q --release -p host-trainer
ht=${CARGO_TARGET_DIR:-target}/release/host-trainer
set_=tests/data/ink/handwriting-fonts.jsonl
# record i (from 0) is digit i % 10 of writer (i / 10) % 19, drawing i / 190 (fontset.rs)
split() { awk -v want="$2" "{ w = int(((NR - 1) % 190) / 10); if (($1) == want) print }" "$set_"; }
split 'w < 10' 1 >"$tmp/order-A.jsonl"
split 'w < 10' 0 >"$tmp/order-B.jsonl"
split 'w % 2' 0 >"$tmp/alt-A.jsonl"
split 'w % 2' 1 >"$tmp/alt-B.jsonl"
head -n 380 "$set_" >"$tmp/own-A.jsonl"
tail -n +381 "$set_" >"$tmp/own-B.jsonl"
source "$(dirname "$0")/../lib/accuracy.sh"
acc() { accuracy "$ht" --model "$1" --ink "$2" --out-dir "$tmp"; }
mnist() { accuracy "$ht" --model "$1" --data data/mnist --out-dir "$tmp"; }
train() { "$ht" train --augment --epochs 30 --seed 1 --threads 2 "$@" --quiet --no-plot >/dev/null; }
train --out "$tmp/plain.nnet"
echo '## Real writers: learning from other writers, and from one'"'"'s own drawings'
echo
echo 'The 19 writers of `tests/data/ink/handwriting-fonts.jsonl` (real people'"'"'s handwriting'
echo 'fonts; 4 drawings of every digit each, the same glyph at another size, position and'
echo 'sampling). Writers are numbered 0-18 in record order; the splits below go by that number'
echo 'alone. Commands: `host-trainer train --augment --epochs 30 --seed 1 --threads 2 [--ink A.jsonl]'
echo '--out M` (the 30-epoch recipe of [Learning from labelled drawings](#learning-from-labelled-drawings-train---ink); "before" is the same command without `--ink`) and'
echo '`host-trainer adapt --model models/mnist-mlp.nnet --ink A.jsonl --out M2` (default options),'
echo 'then `host-trainer evaluate --model M --ink B.jsonl` and `--data data/mnist`.'
echo
echo '### Other writers: A train, B test'
echo
echo '| split | A | B | `train --ink A`: B before | B after | MNIST test | `adapt` on A: B before | B after | MNIST test |'
echo '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
for spec in "order writers_0-9 writers_10-18" "alt even_writers odd_writers"; do
    read -r s a b <<<"$spec"
    A=$tmp/$s-A.jsonl B=$tmp/$s-B.jsonl
    train --ink "$A" --out "$tmp/$s-ink.nnet"
    "$ht" adapt --model models/mnist-mlp.nnet --ink "$A" --out "$tmp/$s-adapt.nnet" --quiet >/dev/null
    echo "| $s | ${a//_/ } ($(wc -l <"$A")) | ${b//_/ } ($(wc -l <"$B")) | $(acc "$tmp/plain.nnet" "$B") | $(acc "$tmp/$s-ink.nnet" "$B") | $(mnist "$tmp/$s-ink.nnet") | $(acc models/mnist-mlp.nnet "$B") | $(acc "$tmp/$s-adapt.nnet" "$B") | $(mnist "$tmp/$s-adapt.nnet") |"
done
echo
echo '### Own drawings: adapt on drawings 1-2 of every digit, test on drawings 3-4'
echo
echo "A = records 1-380 ($(wc -l <"$tmp/own-A.jsonl") drawings), B = records 381-760 ($(wc -l <"$tmp/own-B.jsonl"), the same writers)."
echo 'A writer'"'"'s drawings here differ less than a person'"'"'s do (the same glyph), so this is'
echo 'an upper bound for learning from one'"'"'s own corrections.'
echo
echo '| model | B before | B after `adapt` on A | MNIST test after |'
echo '| --- | --- | --- | --- |'
for model in models/mnist-mlp.nnet models/mnist-mlp-i8.nnet; do
    "$ht" adapt --model "$model" --ink "$tmp/own-A.jsonl" --out "$tmp/own.nnet" --quiet >/dev/null
    echo "| $(basename "$model") | $(acc "$model" "$tmp/own-B.jsonl") | $(acc "$tmp/own.nnet" "$tmp/own-B.jsonl") | $(mnist "$tmp/own.nnet") |"
done
figures_complete
