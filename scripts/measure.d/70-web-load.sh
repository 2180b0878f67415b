#!/usr/bin/env bash
# The web server under load (scripts/loadtest: wrk on loopback, release build),
# with the f32 and the int8 model.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build -q --release -p web-demo
bin=$CARGO_TARGET_DIR/release/web-demo
# the command the text below names, whatever the caller's environment holds
export DURATION=10 CONNECTIONS=32 THREADS=1
# (the embedded default: models/mnist-mlp.nnet)
f32=$(WEB_DEMO_BIN=$bin MODEL= scripts/loadtest)
i8=$(WEB_DEMO_BIN=$bin MODEL=models/mnist-mlp-i8.nnet scripts/loadtest)
# row MODEL OUTPUT: one table row per RESULT line
row() {
    grep '^RESULT' <<<"$2" | while read -r line; do
        # every figure of the row there, or the section fails (the pipeline's status)
        for k in req/s p50_ms p99_ms server_cpu_us_per_req; do
            [[ $line == *" $k="* ]] || { echo "error: no $k in: $line" >&2; exit 1; }
        done
        v() { sed -n "s|^.* $1=\([^ ]*\).*|\1|p" <<<"$line"; }
        echo "| $1 | $(awk '{ print $2 }' <<<"$line") | $(v req/s) | $(v p50_ms) ms | $(v p99_ms) ms | $(v server_cpu_us_per_req) µs |"
    done
}
echo '## Web server load'
echo
echo 'Commands: `scripts/loadtest` and `MODEL=models/mnist-mlp-i8.nnet scripts/loadtest`'
echo '(release build; `wrk -t1 -c32 -d10s --latency` on loopback, on the same cores as the server,'
echo 'with `web-demo/bench/estimate.lua` (`POST /estimate`, 784 values) and `predict-ink.lua`'
echo '(`POST /api/predict`, the one-stroke ink of a "7" as the page sends it at pen-up); the server'"'"'s CPU time per request comes from'
echo '`/proc` and, unlike req/s, does not depend on what else runs).'
echo
echo '| model | endpoint | req/s | p50 | p99 | server CPU / request |'
echo '| --- | --- | --- | --- | --- | --- |'
row f32 "$f32"
row int8 "$i8"
echo
echo '```'
printf '%s\n' "$f32" "$i8"
echo '```'
