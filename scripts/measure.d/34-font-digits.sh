#!/usr/bin/env bash
# What the digits of other handwriting fonts (`train --font-digits RATIO`, built into
# `train --augment`) change: the shipped model's recipe at several ratios and seeds, on every
# test set.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
ht() { cargo run -q --release -p host-trainer -- "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../lib/accuracy.sh"
acc() { accuracy ht --model "$1" "${@:2}" --out-dir "$tmp"; }
sets=(styles mnist-skeleton hershey handwriting-fonts)
rows=()
for run in "0 1" "0 2" "0 3" "0.05 1" "0.22 1" "0.22 2" "0.22 3" "0.5 1"; do
    read -r ratio seed <<<"$run"
    # (its log, for the font digits line below; shown when the run fails)
    ht train --augment --epochs 100 --seed "$seed" --threads 2 --font-digits "$ratio" \
        --no-plot --out "$tmp/m.nnet" >/dev/null 2>"$tmp/train-$ratio-$seed.log" ||
        { cat "$tmp/train-$ratio-$seed.log" >&2; exit 1; }
    row="| $ratio | $seed | $(acc "$tmp/m.nnet" --data data/mnist) |"
    for set in "${sets[@]}"; do
        row="$row $(acc "$tmp/m.nnet" --ink "tests/data/ink/$set.jsonl") |"
    done
    rows+=("$row")
done
# how many font digits there are and how often each is seen at the default ratio: the
# trainer's own line ("font digits: D drawings, the digits 0-9 of F handwriting fonts (...), each seen N times per epoch")
read -r drawings seen < <(sed -n 's/^font digits: \([0-9]*\) drawings, .*each seen \([0-9]*\) times* per epoch$/\1 \2/p' \
    "$tmp/train-0.22-1.log") || true
[[ -n ${seen:-} ]] || { echo "error: no font digits line in the default-ratio run" >&2; exit 1; }
echo '## Font digits in training (`--font-digits`)'
echo
echo "The shipped model's recipe with the digits of $((drawings / 10)) handwriting fonts"
echo '([host-trainer/data](../host-trainer/data/README.md)) at several ratios:'
echo '`host-trainer train --augment --epochs 100 --seed S --threads 2 --font-digits RATIO --out M`'
echo "(RATIO 0.22 is the default: each of the $drawings digits seen $seen times per epoch; 0 leaves them out),"
echo 'then `host-trainer evaluate --model M --data data/mnist` and `--ink tests/data/ink/SET.jsonl`.'
echo 'The real writers of `handwriting-fonts.jsonl` are other hands than the training fonts.'
echo
echo '| `--font-digits` | seed | MNIST test | styles | mnist-skeleton | hershey | handwriting-fonts |'
echo '| --- | --- | --- | --- | --- | --- | --- |'
printf '%s\n' "${rows[@]}"
figures_complete
