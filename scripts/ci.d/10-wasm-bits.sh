#!/usr/bin/env bash
# nnet-core on wasm32 gives the same bits as on x86_64: the golden files the
# host tests check, for the f32 network and its int8 quantisation.
#   scripts/ci.d/10-wasm-bits.sh      (from the repository root; needs node)
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build -q -p nnet-core --release --target wasm32-unknown-unknown --example golden_wasm
wasm=$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/examples/golden_wasm.wasm
node scripts/wasm-golden.mjs "$wasm" golden_f32 >"$CARGO_TARGET_DIR/wasm-golden.txt"
diff -u nnet-core/tests/data/forward-golden.txt "$CARGO_TARGET_DIR/wasm-golden.txt"
node scripts/wasm-golden.mjs "$wasm" golden_int8 >"$CARGO_TARGET_DIR/wasm-quant-golden.txt"
# the int8 golden file starts with the quantised file's CRC, then the same kind of case lines
tail -n +2 nnet-core/tests/data/quant-golden.txt | diff -u - "$CARGO_TARGET_DIR/wasm-quant-golden.txt"
# the packed host networks (nnet_core::packed, portable code on wasm32): the same golden bits
node scripts/wasm-golden.mjs "$wasm" golden_f32_packed | diff -u nnet-core/tests/data/forward-golden.txt -
node scripts/wasm-golden.mjs "$wasm" golden_int8_packed | diff -u "$CARGO_TARGET_DIR/wasm-quant-golden.txt" -
# learning from one correction: adapted weights' checksums, answers and model file CRC
node scripts/wasm-golden.mjs "$wasm" golden_adapt_f32 >"$CARGO_TARGET_DIR/wasm-adapt-golden.txt"
diff -u nnet-core/tests/data/adapt-golden.txt "$CARGO_TARGET_DIR/wasm-adapt-golden.txt"
node scripts/wasm-golden.mjs "$wasm" golden_adapt_int8 >"$CARGO_TARGET_DIR/wasm-adapt-quant-golden.txt"
diff -u nnet-core/tests/data/adapt-quant-golden.txt "$CARGO_TARGET_DIR/wasm-adapt-quant-golden.txt"
echo "wasm32 adapt: bit-identical to x86_64 (f32 and int8, $(grep -c '^adapt ' "$CARGO_TARGET_DIR/wasm-adapt-golden.txt") corrections each)"
echo "wasm32 forward pass: bit-identical to x86_64 (f32 and int8, $(wc -l <"$CARGO_TARGET_DIR/wasm-golden.txt") cases each)"
