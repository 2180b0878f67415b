#!/usr/bin/env bash
# How deep the STM32F429I-DISC1 binary's stack (all of its 64 KiB CCM) grows, measured by
# running the release binaries whole in the emulator (scripts/ci.d/35-f429-emulated.sh,
# which also enforces the 56 KiB limit): the stack is painted before the start and the
# lowest byte ever written is found at the end.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
source "$(dirname "$0")/../lib/accuracy.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
F429_OUT=$tmp bash scripts/ci.d/35-f429-emulated.sh >"$tmp/log.txt"
echo '## Stack depth of the F429 binary (emulated)'
echo
echo 'Command: `scripts/ci.d/35-f429-emulated.sh` (each run: the release binary started in'
echo '`firmware/boards/f429/emulator/run.py`, the scripted touches, the stack of CCM painted'
echo 'before the start and its lowest written byte found after the run). Deepest stack of each'
# the limit and CCM's size, as the CI step holds the runs to them
limit= ccm=
read -r limit ccm < <(sed -n "s/^==> every run's stack at most \([0-9]*\) bytes of CCM's \([0-9]*\)$/\1 \2/p" "$tmp/log.txt") || true
[[ -n ${ccm:-} ]] || { echo "error: scripts/ci.d/35-f429-emulated.sh printed no stack limit" >&2; exit 1; }
source scripts/lib/commas.sh
echo "run, bytes of the $(commas <<<"$ccm"); CI fails a run above $(commas <<<"$limit") ($((limit / 1024)) KiB)."
echo
echo '| run | f32 build | int8 build |'
echo '| --- | --- | --- |'
# depth FILE: the deepest stack a run's output reports (nothing when it reports none)
depth() {
    sed -n 's/.*, stack \([0-9]*\) of .*/\1/p' "$1" 2>/dev/null || true
}
# stack RUN: the deepest stack of that run (a figure: a run not there ends the script below)
stack() {
    figure "stack depth of the run $1" "$(depth "$tmp/$1.txt")"
}
runs=(script-0 script-1 script-2 script-3 script-4 script-5 teach teach-flags-left restored forget after-forget damaged)
for run in "${runs[@]}"; do
    echo "| $run | $(stack "f32-$run") | $(stack "int8-$run") |"
done
# deepest RUNS_OF_BUILD: the deepest stack of the build's runs not in the rows above (the
# fault and power-cut runs)
deepest() {
    local f name d max=""
    for f in "$tmp/$1"-*.txt; do
        name=${f##*/$1-}
        [[ " ${runs[*]} " == *" ${name%.txt} "* ]] && continue
        d=$(depth "$f")
        [[ -n $d ]] || continue
        ((max == 0 || d > max)) && max=$d
    done
    figure "stack depth of the other $1 runs" "$max"
}
echo "| every other run (the deepest) | $(deepest f32) | $(deepest int8) |"
# and no scripted digit left out
for f in "$tmp"/f32-script-*.txt; do
    [[ $f =~ script-[0-5]\.txt$ ]] || { echo "error: $f is not in the table" >&2; exit 1; }
done
figures_complete
