#!/usr/bin/env bash
# Accuracy of the shipped models on MNIST and on the drawn-digit ink sets, next to the
# model shipped before training covered handwriting styles, the one shipped before it
# trained on the digits of other handwriting fonts, and the ones trained on 16 and on 23 of
# today's 60 fonts (all taken from git history).
# home: README.md
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
before_commit=8fe8e24
styles_commit=a16d55c
fonts16_commit=0fb5531
fonts23_commit=9262cc0
cargo build -q --release -p host-trainer
ht() { "${CARGO_TARGET_DIR:-target}/release/host-trainer" "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the models come from git history: a shallow clone lacks it
for c in "$before_commit" "$styles_commit" "$fonts16_commit" "$fonts23_commit"; do
    git cat-file -e "$c^{commit}" 2>/dev/null ||
        { echo "error: commit $c is not in this clone (a shallow one?): run \`git fetch --unshallow\`" >&2; exit 1; }
done
git show "$before_commit:models/mnist-mlp.nnet" >"$tmp/before.nnet"
git show "$styles_commit:models/mnist-mlp.nnet" >"$tmp/styles.nnet"
git show "$fonts16_commit:models/mnist-mlp.nnet" >"$tmp/fonts16.nnet"
git show "$fonts23_commit:models/mnist-mlp.nnet" >"$tmp/fonts23.nnet"
source "$(dirname "$0")/../lib/accuracy.sh"
acc() { accuracy "${CARGO_TARGET_DIR:-target}/release/host-trainer" --model "$1" "${@:2}" --out-dir "$tmp"; }
echo '### Accuracy by test set, before and after'
echo
echo 'Every figure is the `accuracy:` line of `host-trainer evaluate --model M SET`; ink sets go'
echo 'through the core'"'"'s stroke path like a digit drawn on the page or the board. "before" is'
echo "\`models/mnist-mlp.nnet\` of commit $before_commit (trained on MNIST alone), \"styles\" the one of"
echo "commit $styles_commit (with handwriting styles and writer variation, without the digits of"
# how many fonts' digits each trained on: ten drawings per font in its training file
fonts_of() { echo $(($(git show "$1:host-trainer/data/training-fonts.jsonl" | wc -l) / 10)); }
fonts16=$(fonts_of "$fonts16_commit")
fonts23=$(fonts_of "$fonts23_commit")
fonts_now=$(($(wc -l <host-trainer/data/training-fonts.jsonl) / 10))
echo "other handwriting fonts), \"16 fonts\" the one of commit $fonts16_commit (with both, the digits of $fonts16"
echo "handwriting fonts), \"23 fonts\" the one of commit $fonts23_commit ($fonts23 fonts, all from Debian packages),"
echo "\"now\" the shipped models (the digits of $fonts_now handwriting fonts, $((fonts_now - fonts23)) more from npm packages:"
echo '[training data](host-trainer/README.md#digits-of-other-writers-fonts---font-digits)).'
echo 'None of the ink sets is used in training; `styles.jsonl` comes from hand-authored templates'
echo 'drawn by a hand of its own, independent of the training generator'"'"'s shapes and sampling,'
echo '`handwriting-fonts.jsonl` from real writers'"'"''
echo 'hands that are not among the training fonts (drawn by the pipeline the training fonts go'
echo 'through: [what that shares](tests/data/ink/README.md)).'
echo
echo '| set (`SET`) | before (f32) | styles (f32) | 16 fonts (f32) | 23 fonts (f32) | now (f32) | now (int8) |'
echo '| --- | --- | --- | --- | --- | --- | --- |'
row() {
    local name=$1
    shift
    echo "| $name (\`$*\`) | $(acc "$tmp/before.nnet" "$@") | $(acc "$tmp/styles.nnet" "$@") | $(acc "$tmp/fonts16.nnet" "$@") | $(acc "$tmp/fonts23.nnet" "$@") | $(acc models/mnist-mlp.nnet "$@") | $(acc models/mnist-mlp-i8.nnet "$@") |"
}
# drawings N: the lines of ink set N, with thousands separated
source scripts/lib/commas.sh
drawings() { wc -l <"tests/data/ink/$1" | commas; }
# (each writer's ten digits drawn four times: tests/data/ink/README.md)
writers=$(($(wc -l <tests/data/ink/handwriting-fonts.jsonl) / 40))
# (an IDX label file: an 8-byte header, then one byte per image)
mnist_test=$(($(stat -c %s data/mnist/t10k-labels-idx1-ubyte) - 8))
row "MNIST test, $(commas <<<"$mnist_test") images" --data data/mnist
row "handwriting styles, $(drawings styles.jsonl) drawings" --ink tests/data/ink/styles.jsonl
row "MNIST test digits as strokes, $(drawings mnist-skeleton.jsonl) drawings" --ink tests/data/ink/mnist-skeleton.jsonl
row "Hershey stroke fonts, $(drawings hershey.jsonl) drawings" --ink tests/data/ink/hershey.jsonl
row "handwriting fonts of $writers real writers, $(drawings handwriting-fonts.jsonl) drawings" --ink tests/data/ink/handwriting-fonts.jsonl
# the real writers' digits as the shipped model sees them: the first drawing of every font and
# digit (lines 1-190, one row per writer), mistakes captioned in red
# (run in the scratch directory so the picture's title names the file, not where it is)
writers=handwriting-fonts-lines-1-190.jsonl
head -n 190 tests/data/ink/handwriting-fonts.jsonl >"$tmp/$writers"
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/host-trainer
cargo build -q --release -p host-trainer
# (the picture is drawn in the scratch directory and takes its place in docs/ only once every
# figure of the section is there)
answers=$(cd "$tmp" && "$bin" predict --model "$OLDPWD/models/mnist-mlp.nnet" "$writers" \
    --sheet "$tmp/handwriting-fonts.png")
# every one of the 190 answered (a changed output format counts nothing, and says so)
n=$(grep -c 'drawing .*(label [0-9]): ' <<<"$answers" || true)
drawn=$n
[[ $n == 190 ]] || drawn=""
figure "190 answers from \`host-trainer predict\` (got $n)" "$drawn" >/dev/null || true
right=$(grep -c 'drawing .*(label \([0-9]\)): digit \1 ' <<<"$answers" || true)
# the wrong ones counted too: a changed wording of the answers would make all 190 "wrong"
wrong=$(grep -cE 'drawing .*\(label [0-9]\): (digit [0-9] |no digit)' <<<"$answers" || true)
wrong=$((wrong - right))
counted=$((right + wrong))
[[ $counted == 190 ]] || counted=""
figure "190 answers read as a digit or \"no digit\" (got $((right + wrong)))" "$counted" >/dev/null || true
echo
echo "The 19 writers' digits as the shipped f32 model sees them (one row per writer, the first of"
echo "the four drawings of each digit, \`head -n 190\` of the file; captions \`label->answer\`,"
echo "mistakes in red; $wrong of 190 wrong, written by \`host-trainer predict --sheet\`):"
echo
echo '![handwriting fonts as the model sees them](docs/handwriting-fonts.png)'
figures_complete
cp "$tmp/handwriting-fonts.png" docs/handwriting-fonts.png
