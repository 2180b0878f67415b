#!/usr/bin/env bash
# Learning from corrections (host-trainer adapt): the Hershey ink set split by font
# style (styles 0, 2, 4, 6 to adapt on, 1, 3, 5 to evaluate on: writers A and B),
# for the shipped f32 and int8 models, output layer and all layers, plus MNIST test.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build -q --release -p host-trainer
ht=${CARGO_TARGET_DIR:-target}/release/host-trainer
# record i of hershey.jsonl is style (i % 70) / 10, digit i % 10
awk 'int(((NR-1)%70)/10)%2==0' tests/data/ink/hershey.jsonl >"$tmp/A.jsonl"
awk 'int(((NR-1)%70)/10)%2==1' tests/data/ink/hershey.jsonl >"$tmp/B.jsonl"
source "$(dirname "$0")/../lib/accuracy.sh"
acc() { accuracy "$ht" --model "$1" --ink "$2" --out-dir "$tmp"; }
mnist() { accuracy "$ht" --model "$1" --data data/mnist --out-dir "$tmp"; }
echo '## Learning from corrections (`host-trainer adapt`)'
echo
echo "Hershey ink set split by font style: A = styles 0, 2, 4, 6 ($(wc -l <"$tmp/A.jsonl") drawings, adapted on),"
echo "B = styles 1, 3, 5 ($(wc -l <"$tmp/B.jsonl") drawings, never seen). Default options"
# the defaults, as `adapt --help` gives them
help=$("$ht" adapt --help)
epochs=$(figure "default --epochs in \`host-trainer adapt --help\`" \
    "$(sed -n '/--epochs <EPOCHS>/,/default:/ s/.*\[default: \([0-9]*\)\].*/\1/p' <<<"$help")")
steps=$(figure "default --steps in \`host-trainer adapt --help\`" \
    "$(sed -n '/--steps <STEPS>/,/default:/ s/.*\[default: \([0-9]*\).*/\1/p' <<<"$help")")
lr_output=$(figure "default --lr of --layers output in \`host-trainer adapt --help\`" \
    "$(sed -n 's/.*(default: \([0-9.]*\) for --layers output.*/\1/p' <<<"$help")")
lr_all=$(figure "default --lr of --layers all in \`host-trainer adapt --help\`" \
    "$(sed -n 's/.*; \([0-9.]*\) for --layers all).*/\1/p' <<<"$help")")
echo "(\`--epochs $epochs\`; \`--layers output\`: $steps steps of lr $lr_output per drawing; \`--layers all\`: lr $lr_all). Command per row:"
echo '`host-trainer adapt --model M --ink A.jsonl --out M2 [--layers all]`, then `host-trainer evaluate --model M2 --ink B.jsonl` and `--data data/mnist`.'
echo
echo '| model | layers | A before | A after (in memory) | A after (file) | B before | B after | MNIST test before | MNIST test after |'
echo '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
for spec in "models/mnist-mlp.nnet output" "models/mnist-mlp.nnet all" "models/mnist-mlp-i8.nnet output"; do
    read -r model layers <<<"$spec"
    log=$("$ht" adapt --model "$model" --ink "$tmp/A.jsonl" --out "$tmp/m2.nnet" --layers "$layers" --quiet)
    before=$(figure "accuracy before from \`host-trainer adapt --model $model\`" "$(sed -n 's/^accuracy before: //p' <<<"$log")")
    after=$(figure "accuracy after from \`host-trainer adapt --model $model\`" "$(sed -n 's/^accuracy after: //p' <<<"$log")")
    echo "| $(basename "$model") | $layers | $before | $after | $(acc "$tmp/m2.nnet" "$tmp/A.jsonl") | $(acc "$model" "$tmp/B.jsonl") | $(acc "$tmp/m2.nnet" "$tmp/B.jsonl") | $(mnist "$model") | $(mnist "$tmp/m2.nnet") |"
done
echo
echo 'For the int8 model the output layer adapts in f32 RAM and is requantised to 8 bits when the'
echo 'file is written: "A after (in memory)" against "A after (file)" is the cost of requantising.'
echo 'One correction on the board costs the instructions in [Firmware cost](#firmware-cost-qemu-instruction-counts)'
echo '(row "one correction (adapt)"); its output layer takes `size_of::<OutputLayer<300>>()` = 12,128 bytes'
echo 'of RAM (checked by `nnet-core/tests/adapt.rs`).'
figures_complete
