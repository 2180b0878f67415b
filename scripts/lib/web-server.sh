# Sourced by scripts/loadtest and scripts/measure.d/71-web-profile.sh (bash):
#   start_web_demo BIN [ARGS...]
# starts the web demo on a free loopback port with ARGS, waits until it listens,
# and sets `pid`, `url` and `server_log` (the server's output); on exit the
# server is stopped and its log removed, and so are the load generators whose
# process ids the caller added to `load_pids`. A server that exits or does not
# listen within 10 s is an error that shows its log.
#   wrk_ok WHAT OUTPUT
# checks wrk's RESULT line (web-demo/bench/common.lua) in OUTPUT: no connection errors, no
# answer other than 2xx, at least one request answered; otherwise says so about WHAT, shows
# OUTPUT and exits.
start_web_demo() {
    local bin=$1
    shift
    server_log=$(mktemp)
    "$bin" --addr 127.0.0.1:0 "$@" >"$server_log" 2>&1 &
    pid=$!
    load_pids=()
    trap 'kill "${load_pids[@]}" "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$server_log"' EXIT
    url=""
    for _ in $(seq 100); do
        url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$server_log")
        [[ -n $url ]] && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$server_log" >&2; exit 1; }
        sleep 0.1
    done
    echo "web demo: the server did not start" >&2
    cat "$server_log" >&2
    exit 1
}

wrk_ok() {
    local line requests
    line=$(grep '^RESULT' <<<"$2") || true
    requests=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line")
    if [[ -z $line ]] || ! grep -q 'errors=0 non2xx=0' <<<"$line"; then
        echo "$1: wrk saw errors or answers other than 2xx (or no RESULT line)" >&2
        echo "$2" >&2
        exit 1
    fi
    # a server that takes connections and never answers ends wrk with no errors either
    if ((${requests:-0} == 0)); then
        echo "$1: no request answered" >&2
        echo "$2" >&2
        exit 1
    fi
}
