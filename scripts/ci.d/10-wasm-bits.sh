# nnet-core on wasm32 gives the same bits as on x86_64 (the golden file the host test checks).
set -euo pipefail
cargo build -q -p nnet-core --release --example golden_wasm --target wasm32-unknown-unknown
node scripts/wasm-golden.mjs "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/examples/golden_wasm.wasm" >"$CARGO_TARGET_DIR/wasm-golden.txt"
diff -u nnet-core/tests/data/forward-golden.txt "$CARGO_TARGET_DIR/wasm-golden.txt"
echo "wasm32 forward pass: bit-identical to x86_64 ($(wc -l <"$CARGO_TARGET_DIR/wasm-golden.txt") cases)"
