# Sourced by scripts/ci.d/20-trainer.sh and scripts/measure.d/30-training-speed.sh (bash):
#   train_shipped_model BIN DIR LOG
# runs the README's command for the shipped model (its row "**train** the shipped model")
# with the host-trainer binary BIN exactly as documented (the command line is part of the
# file's notes), in directory DIR (made afresh, data/mnist linked in), its output into LOG.
# Sets `shipped_cmd` (the command's arguments), `shipped_model` (the file it wrote) and
# `trained_gemm` (the run's `gemm:` line). The caller compares that file with
# models/mnist-mlp.nnet.

# The gemm setup models/mnist-mlp.nnet was trained with: the `gemm:` line that
# `host-trainer train` printed when it was made. Its command gives the same bytes on every
# machine with this setup; on another one `gemm` may round its sums differently
# (host-trainer/README.md, "The shipped model").
shipped_gemm='avx512f kernels, caches 32768/8/64 1048576/8/64 33554432/16/64'

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
    trained_gemm=$(sed -n 's/^gemm: \(.*\) (.*$/\1/p' "$log")
    [[ -n $trained_gemm ]] || { echo "error: no 'gemm:' line in $log" >&2; return 1; }
}
