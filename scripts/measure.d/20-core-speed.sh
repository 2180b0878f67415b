#!/usr/bin/env bash
# nnet-core on the host: criterion medians of every benchmark in nnet-core/benches
# (inference f32 and int8, preprocessing).
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
echo '## Core speed on the host'
echo
echo 'Command: `cargo bench -p nnet-core --bench NAME` for each `nnet-core/benches/NAME.rs`'
echo '(criterion defaults; the median is the middle value of criterion'"'"'s `time: [low median high]`).'
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
echo 'The ratio is to the first benchmark of the same bench, measured in the same run: unlike'
echo 'the times, it holds when the machine is slower or busier.'
echo
echo '| bench | benchmark | median | criterion interval | ratio to the bench'"'"'s first |'
echo '| --- | --- | --- | --- | --- |'
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
for f in nnet-core/benches/*.rs; do
    b=${f##*/}
    b=${b%.rs}
    # criterion's progress goes to stderr, kept to show when the bench fails
    if ! cargo bench -q -p nnet-core --bench "$b" >"$logs/out" 2>"$logs/err"; then
        cat "$logs/err" >&2
        echo "error: cargo bench -p nnet-core --bench $b failed" >&2
        exit 1
    fi
    # criterion prints `NAME   time:   [low unit median unit high unit]`, the name on
    # the line before when it is long; a bench without one such line is an error
    awk -v b="$b" '
        BEGIN { scale["ps"] = 0.001; scale["ns"] = 1; scale["µs"] = 1000; scale["us"] = 1000; scale["ms"] = 1e6; scale["s"] = 1e9 }
        /time:/ {
            name = $0
            sub(/[[:space:]]*time:.*/, "", name)
            if (name == "") name = prev
            if (name ~ /^[[:space:]]*change:/) next
            gsub(/^[[:space:]]+|[[:space:]]+$/, "", name)
            iv = $0
            sub(/.*time:[[:space:]]*\[/, "", iv)
            sub(/\].*/, "", iv)
            split(iv, t, " ")
            ns = (t[4] in scale) ? t[3] * scale[t[4]] : 0
            if (ns <= 0) {
                print "error: cargo bench --bench " b ": no time in \"" $0 "\"" | "cat >&2"
                bad = 1
                exit 1
            }
            if (!rows) first = ns
            printf "| `%s` | %s | **%s %s** | %s %s – %s %s | %.3g |\n", b, name, t[3], t[4], t[1], t[2], t[5], t[6], ns / first
            rows++
        }
        NF { prev = $0 }
        END {
            if (bad) exit 1
            if (!rows) {
                print "error: cargo bench --bench " b " printed no criterion time line" | "cat >&2"
                exit 1
            }
        }' "$logs/out"
done
