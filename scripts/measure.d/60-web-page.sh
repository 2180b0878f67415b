#!/usr/bin/env bash
# The page's WebAssembly module (raw and gzip) and what the page costs to load.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build -q -p web-demo
bin=$(realpath "$CARGO_TARGET_DIR/debug/web-demo")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" export "$dir" --model models/mnist-mlp-i8.nnet >/dev/null
size() { stat -c %s "$1"; }
source scripts/lib/commas.sh
gz() { gzip -9c "$1" | wc -c; }
echo '## Web page: WebAssembly module and page weight'
echo
echo 'The module is `web-demo/wasm` (nnet-core behind C-ABI exports) built with the'
echo '`wasm` profile by `web-demo/build.rs`; the files are those `web-demo export` writes.'
echo
echo '| file | bytes | gzip -9 |'
echo '| --- | --- | --- |'
declare -A what=([nnet.wasm]="static build" [model.nnet]="int8 model"
    [index.html]="static build: the page, with the two above in it, base64")
for f in nnet.wasm model.nnet index.html; do
    [[ -s $dir/$f ]] || { echo "error: web-demo export wrote no $f" >&2; exit 1; }
    printf '| `%s` (%s) | %s | %s |\n' "$f" "${what[$f]}" \
        "$(size "$dir/$f" | commas)" "$(gz "$dir/$f" | commas)"
done
echo
echo 'The page with the int8 model, loaded from the server by headless Chromium with an'
echo 'empty cache (`web-demo --model models/mnist-mlp-i8.nnet`; bytes over the wire, headers'
echo 'included, the page, the module and the model gzip-compressed by the server):'
echo
echo '| request | bytes transferred |'
echo '| --- | --- |'
npm ls --prefix web-demo/e2e >/dev/null 2>&1 || (cd web-demo/e2e && npm ci --no-audit --no-fund >/dev/null)
(cd web-demo/e2e && WEB_DEMO_BIN="$bin" node measure.mjs --model ../../models/mnist-mlp-i8.nnet)
