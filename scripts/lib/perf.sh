# Sourced by scripts/measure and scripts/measure.d/71-web-profile.sh (bash):
#   perf_ready DIR    fails, saying why, unless `perf` (Debian's linux-perf) is there and may
#                     record here, the kernel's part included (root, or
#                     kernel.perf_event_paranoid <= 1: at 2 a user's perf leaves the kernel
#                     out without a word, and the kernel's share would read as nothing);
#                     DIR keeps its trial recording
perf_ready() {
    command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; return 1; }
    local paranoid
    paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)
    if [[ $(id -u) -ne 0 ]] && ((paranoid > 1)); then
        echo "perf cannot record the kernel's part here (kernel.perf_event_paranoid is $paranoid): run as root, or set it to 1 or less" >&2
        return 1
    fi
    mkdir -p "$1"
    if ! perf record -q -o "$1/perf-check.data" -- true >"$1/perf-check.txt" 2>&1; then
        echo "perf cannot record here (run as root, or set kernel.perf_event_paranoid to 1 or less):" >&2
        cat "$1/perf-check.txt" >&2
        return 1
    fi
}
