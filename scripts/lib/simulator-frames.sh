# Sourced by the board emulations (scripts/ci.d/35-f429-emulated.sh, 60-pico.sh), bash:
#   simulator_frames DIR FEATURES SCRIPT LABEL
# builds the desktop simulator with FEATURES and writes into DIR what every scripted digit
# looks like on it: script-N.json (its touch polls, `simulator --polls`) and script-N.rgb565
# (the frame after it, `--raw`), and teach.json/.rgb565: script SCRIPT drawn and corrected to
# digit LABEL. The boards must show these frames pixel for pixel.
simulator_frames() {
    local dir=$1 features=$2 n=0
    local sim=$CARGO_TARGET_DIR/debug/simulator
    mkdir -p "$dir"
    # frames of an earlier build (more scripts then) must not be taken for this one's
    rm -f "$dir"/script-*.json "$dir"/script-*.rgb565
    cargo build -q -p firmware --features "$features" --bin simulator
    while "$sim" --script "$n" --raw "$dir/script-$n.rgb565" --polls "$dir/script-$n.json" \
        >/dev/null 2>"$dir/stderr"; do
        n=$((n + 1))
        # (a simulator that refused no number would fill the disk)
        ((n < 100)) || { echo "error: the simulator took --script 0 to 99: it refuses none" >&2; return 1; }
    done
    # (the first number past them is refused: clap's "invalid value ... N is not in 0..N")
    grep -q "$n is not in 0..$n" "$dir/stderr" || { cat "$dir/stderr" >&2; return 1; }
    "$sim" --script "$3" --teach "$4" --raw "$dir/teach.rgb565" --polls "$dir/teach.json" >/dev/null
    simulator_scripts=$n
    echo "simulator ($features): frames and touch polls of $n scripts, and of script $3 corrected to $4"
}
