#!/usr/bin/env bash
# Where the web server's CPU time per request goes: `perf record` (Debian's linux-perf)
# on the release server while wrk loads one endpoint at a time (the same wrk scripts as
# scripts/loadtest), the samples grouped by what the code does.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
command -v wrk >/dev/null || { echo "web-profile: wrk not found (apt-get install wrk)" >&2; exit 1; }
cargo build -q --release -p web-demo
bin=$CARGO_TARGET_DIR/release/web-demo
out=$CARGO_TARGET_DIR/measure/web-profile
mkdir -p "$out"
source scripts/lib/web-server.sh
# perf must be allowed to record here, the kernel too: said now
source scripts/lib/perf.sh
perf_ready "$out" 2>&1 | sed 's/^/web-profile: /' >&2
start_web_demo "$bin"

# categories of the flat profile (perf report --no-children), by symbol
group() {
    awk '{ p = $1; sub("%", "", p); $1 = ""; s = $0
        if (s ~ /\[k\]/) c = "kernel: TCP on loopback, epoll, syscalls, scheduling"
        else if (s ~ /nnet_core::packed|nnet_core::model|nnet_core::quant|expf/) c = "inference (nnet_core::packed)"
        else if (s ~ /nnet_core::preprocess|nnet_core::ink|raster_image|strokes/) c = "preprocessing (nnet_core::preprocess)"
        else if (s ~ /serde|json|ryu|itoa|zmij|lexical/) c = "JSON parsing and encoding (serde_json)"
        else if (s ~ /malloc|free|memmove|memset|memcpy|realloc|alloc::/) c = "allocation and copies"
        else if (s ~ /hyper|tokio|axum|tower|http|matchit|mio|bytes::/) c = "HTTP server (hyper, axum, tokio)"
        else c = "other"
        t[c] += p } END { for (k in t) printf "%.1f\t%s\n", t[k], k }' | sort -rn
}
echo '## Web server profile'
echo
echo 'Command: `perf record -F 2000 -p SERVER -- sleep 8` on the release server while'
echo '`wrk -t1 -c32 -d10s` loads one endpoint (the wrk scripts of `scripts/loadtest`, f32 model),'
echo 'then `perf report --no-children --sort dso,symbol`, samples grouped by what the code does.'
echo 'The server CPU per request of each endpoint is in [Web server load](#web-server-load);'
echo 'multiply it by a share to get microseconds.'
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
for script in estimate predict-ink; do
    path=/estimate
    [[ $script == predict-ink ]] && path=/api/predict
    wrk -t1 -c32 -d10s -s "web-demo/bench/$script.lua" "$url$path" >"$out/wrk-$script.txt" &
    wrk_pid=$!
    # the load generator goes with the server if the script ends early
    load_pids+=("$wrk_pid")
    sleep 1
    if ! perf record -q -F 2000 -p "$pid" -o "$out/perf-$script.data" -- sleep 8 >"$out/perf-$script.txt" 2>&1; then
        echo "web-profile: perf record failed:" >&2
        cat "$out/perf-$script.txt" >&2
        exit 1
    fi
    # (a failed wrk is shown by wrk_ok below, with its output)
    wait "$wrk_pid" || true
    load_pids=() # reaped: its id may be another process's by the end
    # a profile of failing requests is no profile of the endpoint
    wrk_ok "web-profile: $path" "$(cat "$out/wrk-$script.txt")"
    perf report -i "$out/perf-$script.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
        grep '%' | grep -v '^#' | group >"$out/groups-$script.txt" ||
        { echo "web-profile: perf recorded no samples of the server for $path" >&2; exit 1; }
    echo
    echo "\`POST $path\`:"
    echo
    echo '| share of server CPU | what |'
    echo '| --- | --- |'
    awk -F'\t' '{ printf "| %s%% | %s |\n", $1, $2 }' "$out/groups-$script.txt"
done
