#!/usr/bin/env bash
# What the digits of other handwriting fonts (`train --font-digits RATIO`, built into
# `train --augment`) change: the shipped model's recipe at several ratios and seeds, on every
# test set, and on the validation split the ratio is chosen on.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
ht() { cargo run -q --release -p host-trainer -- "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../lib/accuracy.sh"
acc() { accuracy ht --model "$1" "${@:2}" --out-dir "$tmp"; }
sets=(styles mnist-skeleton hershey handwriting-fonts)
validation_sets ht "$tmp/val"
default=$(ht train --help | sed -n '/--font-digits <RATIO>/,/default:/ s/.*\[default: \([0-9.]*\)\].*/\1/p')
default=$(figure "default --font-digits in \`host-trainer train --help\`" "$default")
rows=() means=()
for run in "0 1" "0 2" "0 3" "0.05 1" "0.22 1" "0.22 2" "0.22 3" "0.5 1"; do
    read -r ratio seed <<<"$run"
    # (its log, for the font digits line below; shown when the run fails)
    ht train --augment --epochs 100 --seed "$seed" --threads 2 --font-digits "$ratio" \
        --no-plot --out "$tmp/m.nnet" >/dev/null 2>"$tmp/train-$ratio-$seed.log" ||
        { cat "$tmp/train-$ratio-$seed.log" >&2; exit 1; }
    val="$(val_accuracy "$tmp/train-$ratio-$seed.log") $(acc "$tmp/m.nnet" --ink "$tmp/val/styles.jsonl")"
    val="$val $(acc "$tmp/m.nnet" --ink "$tmp/val/hershey.jsonl")"
    means+=("$ratio $val")
    row="| $ratio | $seed | ${val// / | } | $(acc "$tmp/m.nnet" --data data/mnist) |"
    for set in "${sets[@]}"; do
        row="$row $(acc "$tmp/m.nnet" --ink "tests/data/ink/$set.jsonl") |"
    done
    rows+=("$row")
done
# how many font digits there are and how often each is seen at the default ratio: the
# trainer's own line ("font digits: D drawings, the digits 0-9 of F handwriting fonts (...), each seen N times per epoch")
read -r drawings seen < <(sed -n 's/^font digits: \([0-9]*\) drawings, .*each seen \([0-9]*\) times* per epoch$/\1 \2/p' \
    "$tmp/train-$default-1.log") || true
[[ -n ${seen:-} ]] || { echo "error: no font digits line in the default-ratio run" >&2; exit 1; }
echo '## Font digits in training (`--font-digits`)'
echo
echo "The shipped model's recipe with the digits of $((drawings / 10)) handwriting fonts"
echo '([host-trainer/data](../host-trainer/data/README.md)) at several ratios:'
echo '`host-trainer train --augment --epochs 100 --seed S --threads 2 --font-digits RATIO --out M`'
echo "(RATIO $default is the default: each of the $drawings digits seen $seen times per epoch; 0 leaves them out),"
echo 'then `host-trainer evaluate --model M --data data/mnist` and `--ink tests/data/ink/SET.jsonl`.'
echo 'The real writers of `handwriting-fonts.jsonl` are other hands than the training fonts.'
echo 'A ratio is to be read off the validation split, as the learning rate is'
echo '([Peak learning rate](#peak-learning-rate-of-train-sgd): held-out training images, other'
echo "draws of the Hershey and style sets at seed $VALIDATION_SEED, close kin of those test sets), not the test"
echo 'sets beside it. The 19 writers of `handwriting-fonts.jsonl` are a test set only; the'
echo 'writers to choose on are the training fonts, held out fold by fold in'
echo '[Writer validation](#writer-validation-fonts-held-out-of-training). The default was'
echo 'picked before the validation split existed, on these test sets; the line under the means'
echo 'says whether the validation split agrees.'
echo
echo '| `--font-digits` | seed | MNIST validation | styles validation | hershey validation | MNIST test | styles | mnist-skeleton | hershey | handwriting-fonts |'
echo '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
printf '%s\n' "${rows[@]}"
echo
echo 'Mean of the validation columns over the seeds:'
echo
echo '| `--font-digits` | runs | MNIST validation | styles validation | hershey validation |'
echo '| --- | --- | --- | --- | --- |'
printf '%s\n' "${means[@]}" | mean_by | sed 's/ / | /g; s/^/| /; s/$/ |/'
echo
echo "The highest mean of the three validation columns is at \`--font-digits $(printf '%s\n' "${means[@]}" |
    mean_by | best_mean)\`; the default is \`--font-digits $default\` (\`host-trainer train --help\`)."
echo 'Rows of one run are less sure than rows of three.'
figures_complete
