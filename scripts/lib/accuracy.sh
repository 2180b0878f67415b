# Sourced by the measurements that quote figures from a command's output, above all
# `host-trainer evaluate`'s (after `tmp` is set):
#   figure WHAT VALUE      prints VALUE; when it is empty (a failed run, a line not there),
#                          says "no WHAT" on stderr and notes it in $tmp/.figure-missing,
#                          since a figure inside "$(...)" of an echo cannot stop the script
#                          by itself
#   accuracy BIN ARGS...   the figure NN.NN% of BIN's `evaluate ARGS` line `accuracy: NN.NN%`
#   figures_complete       fails (and the section is not written) when a figure was missing:
#                          the last line of such a script
figure() {
    if [[ -z $2 ]]; then
        echo "error: no $1" >&2
        touch "$tmp/.figure-missing"
        return 1
    fi
    echo "$2"
}

accuracy() {
    local bin=$1 value
    shift
    # a run that fails after printing its accuracy gives no figure either
    value=$("$bin" evaluate "$@" | sed -n 's/^accuracy: //p') || value=
    figure "accuracy from \`$(basename "$bin") evaluate $*\`" "$value"
}

figures_complete() {
    if [[ -e $tmp/.figure-missing ]]; then
        echo "error: a figure is missing (see above); the section is not written" >&2
        return 1
    fi
}
