#!/usr/bin/env bash
# `train --ink`: learning from a community's labelled drawings, measured on a split of the
# handwriting-style set (drawings of variants 0-9 of every template train, variants 10-19 test).
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cargo build -q --release -p host-trainer
ht() { "${CARGO_TARGET_DIR:-target}/release/host-trainer" "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n 420 tests/data/ink/styles.jsonl >"$tmp/a.jsonl"
tail -n +421 tests/data/ink/styles.jsonl >"$tmp/b.jsonl"
source "$(dirname "$0")/../lib/accuracy.sh"
acc() { accuracy "${CARGO_TARGET_DIR:-target}/release/host-trainer" --model "$1" "${@:2}" --out-dir "$tmp"; }
for k in without with; do
    ink=()
    [[ $k == with ]] && ink=(--ink "$tmp/a.jsonl")
    ht train --augment --epochs 30 --seed 1 --threads 2 "${ink[@]}" --out "$tmp/$k.nnet" --quiet --no-plot >/dev/null
done
echo '## Learning from labelled drawings (`train --ink`)'
echo
echo 'Proxy for "writers A train, other writers B test": `styles.jsonl` split by variant, lines'
echo '1-420 (variants 0-9 of every template) are A, lines 421-840 (variants 10-19) are B. Models:'
echo '`host-trainer train --augment --epochs 30 --seed 1 --threads 2 [--ink A.jsonl] --out M`'
echo '(default `--ink-weight`), then `host-trainer evaluate --model M --ink B.jsonl` and `--data data/mnist`.'
echo 'A and B share templates, so this checks the mechanism, not generalisation to new writers.'
echo
echo '| model | B (420 drawings) | MNIST test |'
echo '| --- | --- | --- |'
for k in without with; do
    echo "| $k \`--ink A.jsonl\` | $(acc "$tmp/$k.nnet" --ink "$tmp/b.jsonl") | $(acc "$tmp/$k.nnet" --data data/mnist) |"
done
figures_complete
