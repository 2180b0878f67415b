#!/usr/bin/env bash
# `train`'s SGD peak learning rate: the 30-epoch recipe with ink drawings and the shipped
# model's 100-epoch recipe, each over several seeds, at the candidate rates, read on the
# validation split (held-out training images, other draws of the ink sets), which rate it
# favours next to the default; the test sets beside it.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
ht() { cargo run -q --release -p host-trainer -- "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n 420 tests/data/ink/styles.jsonl >"$tmp/a.jsonl"
source "$(dirname "$0")/../lib/accuracy.sh"
acc() { accuracy ht --model "$1" "${@:2}" --out-dir "$tmp"; }
validation_sets ht "$tmp/val"
default=$(ht train --help | sed -n 's/.*(default: \([0-9.]*\) for sgd.*/\1/p')
default=$(figure "default SGD rate in \`host-trainer train --help\`" "$default")
# (its epoch lines, for the validation accuracy; shown when the run fails)
train() {
    ht train --augment --threads 2 --no-plot "$@" >"$tmp/train.log" 2>&1 ||
        { cat "$tmp/train.log" >&2; exit 1; }
}
short=() long=() means=() short_means=()
for lr in 0.1 0.2 0.4; do
    for seed in 1 2 3; do
        train --epochs 30 --seed "$seed" --ink "$tmp/a.jsonl" --lr "$lr" --out "$tmp/m.nnet"
        val=$(val_accuracy "$tmp/train.log")
        # how many training images the run held out (its "N more held out for validation")
        held=$(sed -n 's/.*(\([0-9]*\) more held out for validation).*/\1/p' "$tmp/train.log")
        short_means+=("$lr $val")
        short+=("| $lr | $seed | $val | $(acc "$tmp/m.nnet" --data data/mnist) |")
    done
done
for lr in 0.1 0.2; do
    for seed in 1 2; do
        train --epochs 100 --seed "$seed" --lr "$lr" --out "$tmp/m.nnet"
        val="$(val_accuracy "$tmp/train.log") $(acc "$tmp/m.nnet" --ink "$tmp/val/styles.jsonl")"
        val="$val $(acc "$tmp/m.nnet" --ink "$tmp/val/hershey.jsonl")"
        means+=("$lr $val")
        row="| $lr | $seed | ${val// / | } | $(acc "$tmp/m.nnet" --data data/mnist) |"
        for set in styles mnist-skeleton hershey; do
            row="$row $(acc "$tmp/m.nnet" --ink "tests/data/ink/$set.jsonl") |"
        done
        long+=("$row")
    done
done
echo '## Peak learning rate of `train` (SGD)'
echo
held=$(figure "the held-out count in a train log" "$held")
echo "A rate is to be read off the validation split: MNIST validation is the $held training images"
echo '`train` holds out (`--val-split`, a random choice per seed, never trained on; its last'
echo 'epoch'"'"'s `val accuracy`); the ink validation sets are other draws of the Hershey and style sets'
echo "(\`host-trainer make-inkset --seed $VALIDATION_SEED --no-fonts --out-dir VAL\`: the same glyphs and templates, the same"
echo 'hands, other sizes, positions, jitter and sampling), close kin of those test sets: they keep a'
echo 'choice off the test drawings, not off their glyphs and templates. The test sets are shown'
echo 'beside it. The default was picked before the validation split existed, on MNIST'"'"'s test set;'
echo 'the last lines say whether the validation split agrees.'
echo
echo 'The 30-epoch recipe with ink drawings (A = lines 1-420 of `styles.jsonl`, as in'
echo '[Learning from labelled drawings](#learning-from-labelled-drawings-train---ink)):'
echo '`host-trainer train --augment --epochs 30 --seed S --threads 2 --ink A.jsonl --lr LR --out M`,'
echo 'then `host-trainer evaluate --model M --data data/mnist`.'
echo
echo '| `--lr` | seed | MNIST validation | MNIST test |'
echo '| --- | --- | --- | --- |'
printf '%s\n' "${short[@]}"
echo
short_best=$(printf '%s\n' "${short_means[@]}" | mean_by | best_mean)
echo "Mean MNIST validation over the seeds: $(printf '%s\n' "${short_means[@]}" | mean_by |
    sed 's/^\([^ ]*\) [0-9]* /`--lr` \1: /' | paste -sd ';' | sed 's/;/; /g')."
echo
echo 'The shipped model'"'"'s recipe, `host-trainer train --augment --epochs 100 --seed S --threads 2 --lr LR --out M`,'
echo 'then `evaluate --ink VAL.jsonl`, `--data data/mnist` and `--ink tests/data/ink/SET.jsonl`:'
echo
echo '| `--lr` | seed | MNIST validation | styles validation | hershey validation | MNIST test | styles | mnist-skeleton | hershey |'
echo '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
printf '%s\n' "${long[@]}"
echo
echo 'Mean of the validation columns over the seeds:'
echo
echo '| `--lr` | runs | MNIST validation | styles validation | hershey validation |'
echo '| --- | --- | --- | --- | --- |'
printf '%s\n' "${means[@]}" | mean_by | sed 's/ / | /g; s/^/| /; s/$/ |/'
long_best=$(printf '%s\n' "${means[@]}" | mean_by | best_mean)
echo
echo "The highest mean MNIST validation of the 30-epoch recipe is at \`--lr $short_best\`; the"
echo "highest mean of the three validation columns of the shipped model's recipe is at \`--lr $long_best\`."
echo "The default is \`--lr $default\` (\`host-trainer train --help\`)."
figures_complete
