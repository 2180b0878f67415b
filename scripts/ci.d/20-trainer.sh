#!/usr/bin/env bash
# host-trainer: the documented commands on the committed model and data, the
# shipped model retrained by its README command and compared byte for byte
# (cargo test --workspace already ran the unit and integration tests,
# including "the committed model still reaches its stated accuracy").
#   scripts/ci.d/20-trainer.sh      (from the repository root)
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/host-bins.sh
host_bins
ht() { "$host_trainer" "$@"; }
out=$CARGO_TARGET_DIR/trainer-ci
# emptied first: the checks below must not pass on an earlier run's files
rm -rf "$out"
mkdir -p "$out"

echo "==> host-trainer fetch-mnist (no-op when present and valid)"
ht fetch-mnist --dir data/mnist

echo "==> host-trainer evaluate: committed model on the MNIST test set (nnet-core inference)"
ht evaluate --model models/mnist-mlp.nnet --data data/mnist --out-dir "$out" | tee "$out/mnist.txt"
acc=$(sed -n 's/^accuracy: \([0-9.]*\)%$/\1/p' "$out/mnist.txt")
awk -v a="$acc" 'BEGIN { if (a + 0 < 98.5) { print "committed model below 98.5%: " a "%"; exit 1 } }'
# (one test per line: under set -e a failed test before && would not stop the script)
test -s "$out/mnist-mlp.mnist.confusion.png"
test -s "$out/mnist-mlp.mnist.mistakes.png"

echo "==> host-trainer quantize: reproduces the committed int8 model byte for byte"
ht quantize --model models/mnist-mlp.nnet --out "$out/mnist-mlp-i8.nnet"
cmp "$out/mnist-mlp-i8.nnet" models/mnist-mlp-i8.nnet

echo "==> the trainer's kernels with each instruction set: sums bit for bit in the promised order"
# (cargo test runs them with this CPU's best set; NNET_SIMD caps it, as on an older CPU)
# (--workspace: the test binaries the tests built; only host-trainer has simd:: tests)
for level in avx2 baseline; do
    if ! NNET_SIMD=$level cargo test -q --workspace --lib simd:: >"$out/simd-$level.txt" 2>&1; then
        cat "$out/simd-$level.txt" >&2
        echo "error: kernel tests failed with NNET_SIMD=$level" >&2
        exit 1
    fi
    grep -E '^test result: ok\. [1-9]' "$out/simd-$level.txt" | sed "s/^/NNET_SIMD=$level: /" ||
        { echo "error: no kernel tests ran with NNET_SIMD=$level" >&2; exit 1; }
done

echo "==> the README's command for the shipped model trains models/mnist-mlp.nnet byte for byte"
# (the dev build trains the same bits as --release)
source scripts/lib/shipped-model.sh
train_shipped_model "$host_trainer" "$out/shipped" "$out/shipped.txt"
echo "host-trainer $shipped_cmd"
tail -n 2 "$out/shipped.txt"
echo "trained with $trained_kernels (every instruction set trains the same bits)"
if cmp "$shipped_model" models/mnist-mlp.nnet; then
    echo "byte for byte the committed models/mnist-mlp.nnet"
else
    echo "error: models/mnist-mlp.nnet is not what its documented command trains today:" >&2
    echo "  retrain it with that command, then \`host-trainer quantize\` and \`scripts/measure\`" >&2
    exit 1
fi

echo "==> host-trainer evaluate --compare: int8 within 0.2 points of f32, same digit on >= 99.5%"
ht evaluate --model models/mnist-mlp.nnet --compare models/mnist-mlp-i8.nnet --data data/mnist \
    --out-dir "$out" | tail -n 2 | tee "$out/compare.txt"
awk -v f="$acc" '
    /accuracy/ { for (i = 1; i <= NF; i++) if ($i == "accuracy") { q = $(i + 1); sub("%", "", q) } }
    /^agreement:/ { a = $2; sub("%", "", a) }
    END {
        if (q == "" || a == "") { print "no int8 accuracy/agreement in the report"; exit 1 }
        if (f - q > 0.2) { print "int8 " q "% is more than 0.2 points below f32 " f "%"; exit 1 }
        if (a + 0 < 99.5) { print "f32/int8 agreement " a "% < 99.5%"; exit 1 }
        print "int8: " q "% (f32 " f "%), agreement " a "%"
    }' "$out/compare.txt"

for ink in tests/data/ink/*.jsonl; do
    echo "==> host-trainer evaluate --ink $ink"
    ht evaluate --model models/mnist-mlp.nnet --ink "$ink" --out-dir "$out" | head -n 2
done

echo "==> host-trainer predict (stroke path, first drawings of the Hershey set)"
head -n 3 tests/data/ink/hershey.jsonl >"$out/three.jsonl"
ht predict --model models/mnist-mlp.nnet "$out/three.jsonl"
echo "host-trainer CLI: OK (accuracy $acc%)"
