#!/usr/bin/env bash
# What the digits of other handwriting fonts (`train --font-digits RATIO`, built into
# `train --augment`) change: the shipped model's recipe at several ratios and seeds, on every
# test set.
set -euo pipefail
ht() { cargo run -q --release -p host-trainer -- "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
acc() { ht evaluate --model "$1" "${@:2}" --out-dir "$tmp" | sed -n 's/^accuracy: //p'; }
sets=(styles mnist-skeleton hershey handwriting-fonts)
echo '## Font digits in training (`--font-digits`)'
echo
drawings=$(wc -l <host-trainer/data/training-fonts.jsonl)
# each drawing's sightings per epoch at the default ratio, with MNIST's 57,000 training images
seen=$(awk -v d="$drawings" 'BEGIN { printf "%d", 0.22 * 57000 / d + 0.5 }')
echo "The shipped model's recipe with the digits of $((drawings / 10)) handwriting fonts"
echo '([host-trainer/data](../host-trainer/data/README.md)) at several ratios:'
echo '`host-trainer train --augment --epochs 100 --seed S --threads 2 --font-digits RATIO --out M`'
echo "(RATIO 0.22 is the default: each of the $drawings digits seen $seen times per epoch; 0 leaves them out),"
echo 'then `host-trainer evaluate --model M --data data/mnist` and `--ink tests/data/ink/SET.jsonl`.'
echo 'The real writers of `handwriting-fonts.jsonl` are other hands than the training fonts.'
echo
echo '| `--font-digits` | seed | MNIST test | styles | mnist-skeleton | hershey | handwriting-fonts |'
echo '| --- | --- | --- | --- | --- | --- | --- |'
for run in "0 1" "0 2" "0 3" "0.05 1" "0.22 1" "0.22 2" "0.22 3" "0.5 1"; do
    read -r ratio seed <<<"$run"
    ht train --augment --epochs 100 --seed "$seed" --threads 2 --font-digits "$ratio" \
        --quiet --no-plot --out "$tmp/m.nnet" >/dev/null
    row="| $ratio | $seed | $(acc "$tmp/m.nnet" --data data/mnist) |"
    for set in "${sets[@]}"; do
        row="$row $(acc "$tmp/m.nnet" --ink "tests/data/ink/$set.jsonl") |"
    done
    echo "$row"
done
