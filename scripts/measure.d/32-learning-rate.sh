#!/usr/bin/env bash
# Why `train`'s default SGD peak learning rate is 0.2: the 30-epoch recipe with ink drawings and
# the shipped model's 100-epoch recipe, each over several seeds, at the candidate rates.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
ht() { cargo run -q --release -p host-trainer -- "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n 420 tests/data/ink/styles.jsonl >"$tmp/a.jsonl"
source "$(dirname "$0")/../lib/accuracy.sh"
acc() { accuracy ht --model "$1" "${@:2}" --out-dir "$tmp"; }
train() { ht train --augment --threads 2 --quiet --no-plot "$@" >/dev/null; }
echo '## Peak learning rate of `train` (SGD)'
echo
echo 'MNIST test accuracy of the 30-epoch recipe with ink drawings (A = lines 1-420 of'
echo '`styles.jsonl`, as in [Learning from labelled drawings](#learning-from-labelled-drawings-train---ink)):'
echo '`host-trainer train --augment --epochs 30 --seed S --threads 2 --ink A.jsonl --lr LR --out M`,'
echo 'then `host-trainer evaluate --model M --data data/mnist`.'
echo
echo '| `--lr` | seed 1 | seed 2 | seed 3 |'
echo '| --- | --- | --- | --- |'
for lr in 0.1 0.2 0.4; do
    row="| $lr |"
    for seed in 1 2 3; do
        train --epochs 30 --seed "$seed" --ink "$tmp/a.jsonl" --lr "$lr" --out "$tmp/m.nnet"
        row="$row $(acc "$tmp/m.nnet" --data data/mnist) |"
    done
    echo "$row"
done
echo
echo 'The shipped model'"'"'s recipe, `host-trainer train --augment --epochs 100 --seed S --threads 2 --lr LR --out M`,'
echo 'on every test set (`evaluate --data data/mnist`, `--ink tests/data/ink/SET.jsonl`):'
echo
echo '| `--lr` | seed | MNIST test | styles | mnist-skeleton | hershey |'
echo '| --- | --- | --- | --- | --- | --- |'
for lr in 0.1 0.2; do
    for seed in 1 2; do
        train --epochs 100 --seed "$seed" --lr "$lr" --out "$tmp/m.nnet"
        row="| $lr | $seed | $(acc "$tmp/m.nnet" --data data/mnist) |"
        for set in styles mnist-skeleton hershey; do
            row="$row $(acc "$tmp/m.nnet" --ink "tests/data/ink/$set.jsonl") |"
        done
        echo "$row"
    done
done
figures_complete
