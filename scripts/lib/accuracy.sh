# Sourced by the measurements that quote `host-trainer evaluate` (after `tmp` is set):
#   accuracy BIN ARGS...   prints NN.NN% of BIN's `evaluate ARGS` line `accuracy: NN.NN%`;
#                          when there is none (a failed run, no MNIST), says so on stderr and
#                          notes it in $tmp/.figure-missing, since a figure inside "$(...)"
#                          of an echo cannot stop the script by itself
#   figures_complete       fails (and the section is not written) when a figure was missing:
#                          the last line of such a script
accuracy() {
    local bin=$1 figure
    shift
    figure=$("$bin" evaluate "$@" | sed -n 's/^accuracy: //p') || true
    if [[ -z $figure ]]; then
        echo "error: no accuracy from \`$(basename "$bin") evaluate $*\`" >&2
        touch "$tmp/.figure-missing"
        return 1
    fi
    echo "$figure"
}

figures_complete() {
    if [[ -e $tmp/.figure-missing ]]; then
        echo "error: a figure is missing (see above); the section is not written" >&2
        return 1
    fi
}
