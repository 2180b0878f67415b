#!/usr/bin/env bash
# Accuracy of the shipped f32 and int8 models on the MNIST test set, through nnet-core
# (host-trainer evaluate); the drawn-digit ink sets are in the README's table
# (scripts/measure.d/30-drawn-digits.sh).
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
source "$(dirname "$0")/../lib/accuracy.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
out=$CARGO_TARGET_DIR/measure/accuracy
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build -q --release -p host-trainer
ht=$CARGO_TARGET_DIR/release/host-trainer
# (a no-op when it is there and valid)
"$ht" fetch-mnist --dir data/mnist >&2
f32=models/mnist-mlp.nnet
i8=models/mnist-mlp-i8.nnet
# acc MODEL ARGS...: the accuracy line of `host-trainer evaluate`
acc() {
    local m=$1
    shift
    accuracy "$ht" --model "$m" "$@" --out-dir "$out"
}
echo '## Accuracy'
echo
echo "Commands: \`host-trainer evaluate --model MODEL --data data/mnist\`"
echo "(release build; inference and preprocessing through nnet-core; \"no digit\" counts as wrong),"
echo "\`host-trainer evaluate --model $f32 --compare $i8 --data data/mnist\` for the agreement."
echo
echo "| set | \`$f32\` (f32) | \`$i8\` (int8) |"
echo '| --- | --- | --- |'
echo "| model file size | $(stat -c %s "$f32") B | $(stat -c %s "$i8") B |"
echo "| MNIST test set, 10,000 images | $(acc "$f32" --data data/mnist) | $(acc "$i8" --data data/mnist) |"
# (in two steps: a run that fails after printing its agreement gives no figure either)
agree=$("$ht" evaluate --model "$f32" --compare "$i8" --data data/mnist --out-dir "$out" |
    sed -n 's/^agreement: *//p') || agree=
agree=$(figure "agreement from \`host-trainer evaluate --compare\`" "$agree")
echo
echo "Agreement of the int8 model with the f32 model on the MNIST test set: $agree."
echo
echo 'Both models on the drawn-digit ink sets of `tests/data/ink/`: the README'"'"'s'
echo '[table](../README.md#accuracy-by-test-set-before-and-after) (`scripts/measure drawn-digits`).'
figures_complete
