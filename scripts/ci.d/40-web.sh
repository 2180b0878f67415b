#!/usr/bin/env bash
# web-demo: real-browser end-to-end tests (headless Debian Chromium via
# playwright-core, node's test runner: web-demo/e2e/*.test.mjs - drawing, browser/server
# bit identity of the WebAssembly module, the static export, phone layout) and a
# short load smoke test with wrk.
# Run from the repository root by scripts/test; needs chromium, wrk, node/npm.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/host-bins.sh
host_bins
(cd web-demo/e2e && npm ci --no-audit --no-fund)
mkdir -p out
# the test files by name: node's discovery finding none would pass with no test run
shopt -s nullglob
tests=(web-demo/e2e/*.test.mjs)
shopt -u nullglob
((${#tests[@]})) || { echo "error: no web-demo/e2e/*.test.mjs" >&2; exit 1; }
(cd web-demo/e2e && WEB_DEMO_BIN="$web_demo" E2E_OUT="$(cd ../.. && pwd)/out" HOST_TRAINER_BIN="$host_trainer" \
  CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" node --test --test-concurrency=1 --test-timeout=600000 \
  "${tests[@]#web-demo/e2e/}")
echo "web-demo e2e: screenshots in out/web-demo.png and out/web-demo-phone.png"
# load smoke test: no errors under concurrent load (the timed benchmark is scripts/loadtest)
DURATION=2 WEB_DEMO_BIN="$web_demo" scripts/loadtest
