# Sourced by scripts/ci.d/20-trainer.sh and scripts/measure.d/30-training-speed.sh (bash):
#   train_shipped_model BIN DIR LOG
# runs the README's command for the shipped model (its row "**train** the shipped model")
# with the host-trainer binary BIN exactly as documented (the command line is part of the
# file's notes), in directory DIR (made afresh, data/mnist linked in), its output into LOG.
# Sets `shipped_cmd` (the command's arguments), `shipped_model` (the file it wrote) and
# `trained_kernels` (the run's `kernels:` line: the instruction sets it used, which do not
# change the bits). The caller compares that file with models/mnist-mlp.nnet.

train_shipped_model() {
    local bin=$1 dir=$2 log=$3 args
    shipped_cmd=$(sed -n 's/^| \*\*train\*\* the shipped model | `cargo run --release -p host-trainer -- \(.*\)` |$/\1/p' README.md)
    [[ -n $shipped_cmd ]] || { echo "error: README.md has no row '**train** the shipped model'" >&2; return 1; }
    read -ra args <<<"$shipped_cmd"
    [[ $bin == /* ]] || bin=$PWD/$bin
    rm -rf "$dir" && mkdir -p "$dir/data" "$dir/models"
    ln -s "$PWD/data/mnist" "$dir/data/mnist"
    (cd "$dir" && "$bin" "${args[@]}") >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    shipped_model=$dir/models/mnist-mlp.nnet
    trained_kernels=$(sed -n 's/^kernels: \([a-z0-9]*\) .*$/\1 kernels/p' "$log")
    [[ -n $trained_kernels ]] || { echo "error: no 'kernels:' line in $log" >&2; return 1; }
}
