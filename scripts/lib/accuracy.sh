# Sourced by the measurements that quote figures from a command's output, above all
# `host-trainer evaluate`'s (after `tmp` is set):
#   figure WHAT VALUE      prints VALUE; when it is empty (a failed run, a line not there),
#                          says "no WHAT" on stderr and notes it in $tmp/.figure-missing,
#                          since a figure inside "$(...)" of an echo cannot stop the script
#                          by itself
#   accuracy BIN ARGS...   the figure NN.NN% of BIN's `evaluate ARGS` line `accuracy: NN.NN%`
#   val_accuracy LOG       the figure NN.NN% of the last `val accuracy NN.NN%` in a `train` log
#                          (its epoch lines): the training images `--val-split` held out
#   validation_sets CMD DIR
#                          writes other draws of the Hershey and style sets into DIR
#                          (`CMD make-inkset --seed $VALIDATION_SEED --no-fonts --out-dir DIR`): with the
#                          held-out training images, the validation split that defaults are
#                          chosen on, apart from the committed test sets (seed 2026)
#   mean_by                reads rows of "key value..." (values NN.NN%) and prints, per key in
#                          order of first appearance, "key runs mean..." (the number of rows,
#                          then the mean of each value column)
#   best_mean              reads mean_by's lines and prints the key whose means average highest
#                          (the first such key on a tie)
#   figures_complete       fails (and the section is not written) when a figure was missing:
#                          the last line of such a script
figure() {
    if [[ -z $2 ]]; then
        echo "error: no $1" >&2
        touch "$tmp/.figure-missing"
        return 1
    fi
    echo "$2"
}

accuracy() {
    local bin=$1 value
    shift
    # a run that fails after printing its accuracy gives no figure either
    value=$("$bin" evaluate "$@" | sed -n 's/^accuracy: //p') || value=
    figure "accuracy from \`$(basename "$bin") evaluate $*\`" "$value"
}

val_accuracy() {
    figure "val accuracy in the train log $1" \
        "$(sed -n 's/^epoch .*val accuracy \([0-9.]*%\).*/\1/p' "$1" | tail -n 1)"
}

VALIDATION_SEED=2027
validation_sets() {
    mkdir -p "$2"
    "$1" make-inkset --seed "$VALIDATION_SEED" --no-fonts --out-dir "$2" >"$2/make-inkset.log" 2>&1 ||
        { cat "$2/make-inkset.log" >&2; return 1; }
    # (its MNIST set redraws the test images: not a validation set)
    rm -f "$2/mnist-skeleton.jsonl"
}

mean_by() {
    awk '{ if (!($1 in n)) order[k++] = $1; n[$1]++
           for (i = 2; i <= NF; i++) { sub(/%$/, "", $i); sum[$1, i] += $i }
           if (NF > cols) cols = NF }
         END { for (j = 0; j < k; j++) { key = order[j]; line = key
                   line = line " " n[key]
                   for (i = 2; i <= cols; i++) line = line sprintf(" %.2f%%", sum[key, i] / n[key])
                   print line } }'
}

best_mean() {
    awk '{ s = 0; for (i = 3; i <= NF; i++) { v = $i; sub(/%$/, "", v); s += v }
           m = s / (NF - 2); if (NR == 1 || m > best) { best = m; key = $1 } }
         END { if (NR) print key }'
}

figures_complete() {
    if [[ -e $tmp/.figure-missing ]]; then
        echo "error: a figure is missing (see above); the section is not written" >&2
        return 1
    fi
}
