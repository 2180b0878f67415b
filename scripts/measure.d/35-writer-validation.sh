#!/usr/bin/env bash
# The writer validation split: the shipped model's recipe trained without one fold of the
# 60 training fonts (`train --hold-out-fonts N`) and validated on other draws of that fold's
# digits (`make-inkset --font-folds`), fold by fold, at several font-digit ratios: how well a
# setting reads the hands of writers it did not train on, measured without the test writers.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cargo build -q --release -p host-trainer
ht=${CARGO_TARGET_DIR:-target}/release/host-trainer
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../lib/accuracy.sh"
acc() { accuracy "$ht" --model "$1" "${@:2}" --out-dir "$tmp"; }
mkdir -p "$tmp/val"
"$ht" make-inkset --seed "$VALIDATION_SEED" --font-folds --out-dir "$tmp/val" >"$tmp/val/make-inkset.log" 2>&1 ||
    { cat "$tmp/val/make-inkset.log" >&2; exit 1; }
folds=$("$ht" train --help | sed -n 's/.*Leave fold N (1 to \([0-9]*\)) of the \([0-9]*\) training fonts.*/\1 \2/p')
read -r nfolds nfonts <<<"$folds"
[[ -n ${nfonts:-} ]] || { echo "error: no fold count in \`host-trainer train --help\`" >&2; exit 1; }
# Student's t at 95% (two-sided) for the folds' degrees of freedom
case $nfolds in
    5) t95=2.78 ;;
    *) echo "error: $nfolds folds: give the script Student's t for $((nfolds - 1)) degrees of freedom" >&2; exit 1 ;;
esac
default=$("$ht" train --help | sed -n '/--font-digits <RATIO>/,/default:/ s/.*\[default: \([0-9.]*\)\].*/\1/p')
default=$(figure "default --font-digits in \`host-trainer train --help\`" "$default")
rows=() means=() tests=() paired=() members=()
# the default first (the first of equal means is named), then the others not equal to it
ratios=("$default")
for r in 0 0.5 1; do
    [[ $r == "$default" ]] || ratios+=("$r")
done
for ratio in "${ratios[@]}"; do
    for fold in $(seq 1 "$nfolds"); do
        # ratio 0 trains on no font digits: there is nothing to hold out
        hold=(--hold-out-fonts "$fold")
        [[ $ratio == 0 ]] && hold=()
        log=$tmp/train-$ratio-$fold.log
        "$ht" train --augment --epochs 100 --seed "$fold" --threads 2 --font-digits "$ratio" \
            "${hold[@]}" --no-plot --out "$tmp/m.nnet" >/dev/null 2>"$log" ||
            { cat "$log" >&2; exit 1; }
        held=$(sed -n 's/^held out: font fold [0-9]* of [0-9]*, \([0-9]*\) fonts .*/\1/p' "$log")
        [[ $ratio == 0 ]] && held=-
        if [[ $ratio == "$default" ]]; then
            names=$(sed -n 's/^held out: font fold [0-9]* of [0-9]*, [0-9]* fonts (\(.*\))$/\1/p' "$log")
            members+=("| $fold | $(figure "held-out font names in $log" "$names") |")
        fi
        held=$(figure "held-out fonts in $log" "$held")
        val="$(acc "$tmp/m.nnet" --ink "$tmp/val/font-fold-$fold.jsonl") $(val_accuracy "$log")"
        test="$(acc "$tmp/m.nnet" --data data/mnist) $(acc "$tmp/m.nnet" --ink tests/data/ink/handwriting-fonts.jsonl)"
        means+=("$ratio $val")
        paired+=("$ratio $fold ${val%% *}")
        tests+=("$ratio $test")
        rows+=("| $ratio | $fold | $held | ${val// / | } | ${test// / | } |")
    done
done
echo '## Writer validation: fonts held out of training'
echo
echo "The real writers of \`handwriting-fonts.jsonl\` are a test set: nothing may be chosen on them."
echo "The writers to choose on are the $nfonts training fonts themselves, in $nfolds folds: the"
echo 'shipped model'"'"'s recipe trained without fold N and validated on other draws of its digits.'
echo '(The font digits keep their share of the epoch, so each of the others is seen more often.)'
echo "Fold $nfolds is the twelve fonts of one designer, folds 1-$((nfolds - 1)) the others, with the fonts of one designer,"
echo 'foundry or family in one fold, so that no fold validates on a designer or a family it trained on'
echo '([how](../host-trainer/README.md#digits-of-other-writers-fonts---font-digits)); the folds, as `train` names them:'
echo
echo '| fold | fonts |'
echo '| --- | --- |'
printf '%s\n' "${members[@]}"
echo
echo 'Commands: `host-trainer make-inkset --font-folds --seed '"$VALIDATION_SEED"' --out-dir VAL` once, then per fold N'
echo '`host-trainer train --augment --epochs 100 --seed N --threads 2 --font-digits RATIO --hold-out-fonts N --out M`'
echo '(at RATIO 0 without `--hold-out-fonts`: no font digits are trained on) and'
echo '`host-trainer evaluate --model M --ink VAL/font-fold-N.jsonl` (each fold 120 drawings, ten per font);'
echo 'the MNIST validation column is the training images `train` holds out. The test sets are beside'
echo "them, to show whether the split agrees with them, not to choose on. RATIO $default is the default."
echo
echo '| `--font-digits` | fold | fonts left out | their digits | MNIST validation | MNIST test | handwriting-fonts |'
echo '| --- | --- | --- | --- | --- | --- | --- |'
printf '%s\n' "${rows[@]}"
echo
echo "Means over the folds (every fold the same size: the mean on the left-out fonts' digits is the accuracy on all $((nfonts * 10)) drawings):"
echo
echo '| `--font-digits` | runs | left-out fonts'"'"' digits | MNIST validation |'
echo '| --- | --- | --- | --- |'
printf '%s\n' "${means[@]}" | mean_by | sed 's/ / | /g; s/^/| /; s/$/ |/'
echo
echo '| `--font-digits` | runs | MNIST test | handwriting-fonts |'
echo '| --- | --- | --- | --- |'
printf '%s\n' "${tests[@]}" | mean_by | sed 's/ / | /g; s/^/| /; s/$/ |/'
echo
echo 'Each fold'"'"'s seed is its number, so a ratio and the default differ fold by fold only in the ratio:'
echo 'the difference on the left-out fonts'"'"' digits, in drawings of 120, with its mean and the mean'"'"'s'
echo "standard error over the $nfolds folds. A mean less than $t95 standard errors from 0 (Student's t, $((nfolds - 1))"
echo 'degrees of freedom, 95%) is a difference these folds cannot tell from chance.'
echo
header='| `--font-digits` |' rule='| --- |'
for fold in $(seq 1 "$nfolds"); do
    header="$header fold $fold |" rule="$rule --- |"
done
echo "$header mean | standard error |"
echo "$rule --- | --- |"
printf '%s\n' "${paired[@]}" | tmp=$tmp awk -v def="$default" -v k="$nfolds" '
    { v = $3; sub(/%$/, "", v); acc[$1, $2] = v; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
    END {
        for (j = 0; j < n; j++) {
            r = order[j]; if (r == def) continue
            line = "| " r " |"; sum = 0; sq = 0
            for (f = 1; f <= k; f++) {
                d = (acc[r, f] - acc[def, f]) * 120 / 100; d = (d < 0) ? -int(-d + 0.5) : int(d + 0.5)
                line = line sprintf(" %+d |", d); diff[f] = d; sum += d
            }
            m = sum / k
            for (f = 1; f <= k; f++) sq += (diff[f] - m) ^ 2
            se = (k > 1) ? sqrt(sq / (k - 1) / k) : 0
            print line sprintf(" %+.1f | %.1f |", m, se)
            print r, m, se > (ENVIRON["tmp"] "/paired")
        } }'
echo
held_means=$(printf '%s\n' "${means[@]}" | cut -d' ' -f1,2 | mean_by)
best=$(best_mean <<<"$held_means")
# the margin in drawings: the mean times the drawings of all folds
margin=$(awk -v best="$best" -v def="$default" -v n="$((nfonts * 10))" '
    { v = $3; sub(/%$/, "", v); m[$1] = v }
    END { if ((best in m) && (def in m)) printf "%.0f", (m[best] - m[def]) * n / 100 }' <<<"$held_means")
margin=$(figure "margin of the best ratio over the default" "$margin")
if [[ $best == "$default" ]]; then
    # ratios whose mean equals the default's, as the table above prints them
    tied=$(awk -v def="$default" '{ m[$1] = $3; order[NR] = $1 }
        END { for (i = 1; i <= NR; i++) { r = order[i]
                  if (r != def && m[r] == m[def]) printf "%s`--font-digits %s`", (n++ ? ", " : ""), r } }' <<<"$held_means")
    if [[ -z $tied ]]; then
        echo "The highest mean on the left-out fonts' digits is at the default, \`--font-digits $default\` (\`host-trainer train --help\`)."
    else
        echo "The highest mean on the left-out fonts' digits is at the default, \`--font-digits $default\` (\`host-trainer train --help\`),"
        echo "and the same mean is at $tied."
    fi
else
    drawings=drawings
    [[ $margin == 1 ]] && drawings=drawing
    echo "The highest mean on the left-out fonts' digits is at \`--font-digits $best\`: it reads $margin more of the $((nfonts * 10))"
    echo "$drawings than the default, \`--font-digits $default\` (\`host-trainer train --help\`);"
    verdict=$(awk -v r="$best" -v t="$t95" '$1 == r {
        if ($2 > t * $3) print "more than " t " standard errors: a difference the folds tell from chance"
        else print "not more than " t " standard errors: a difference the folds cannot tell from chance" }' "$tmp/paired")
    verdict=$(figure "the paired difference of --font-digits $best" "$verdict")
    echo "fold by fold its mean difference is $verdict."
fi
figures_complete
