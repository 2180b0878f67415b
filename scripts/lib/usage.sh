# Sourced first by the scripts a person runs by hand:
#   usage "$@"            -h/--help: print the script's header comment (what it does, how to
#                         run it) and exit 0
#   usage_no_args "$@"    the same, and any other argument is an error (exit 2): for scripts
#                         configured by environment variables alone
#   usage_header FILE     the header comment of FILE, a script's (`#` lines after the first)
#                         or a node script's (`//` lines, after a `#!` line if there is one,
#                         as scripts/lib/usage.mjs prints it)
usage() {
    local a
    for a in "$@"; do
        if [[ $a == -h || $a == --help ]]; then
            usage_header "$0"
            exit 0
        fi
    done
}

usage_header() {
    case $1 in
        *.mjs) awk 'NR == 1 && /^#!/ { next } /^\/\// { sub(/^\/\/ ?/, ""); print; next } { exit }' "$1" ;;
        *) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1" ;;
    esac
}

usage_no_args() {
    usage "$@"
    if [[ $# -gt 0 ]]; then
        echo "error: $(basename "$0") takes no arguments, got '$1' (--help says what it does)" >&2
        exit 2
    fi
}
