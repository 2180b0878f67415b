#!/usr/bin/env bash
# One 784-300-10 inference and a batch of 10,000 MNIST test images through nnet-core
# (`host-trainer bench-inference`) and through NumPy (scripts/peers/numpy_infer.py,
# NumPy's bundled OpenBLAS) in the same run, one thread each, and the ratios.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
batch=${BATCH:-10000}
rounds=${ROUNDS:-15}
out=$CARGO_TARGET_DIR/measure/inference-vs-numpy
mkdir -p "$out"
python=$(scripts/peers/numpy-venv.sh)
cargo build -q --release -p host-trainer
ht=$CARGO_TARGET_DIR/release/host-trainer
# the peer first, then nnet-core, back to back
"$python" scripts/peers/numpy_infer.py --data data/mnist --batch "$batch" --rounds "$rounds" |
    tee "$out/numpy.txt" >&2
"$ht" bench-inference --data data/mnist --batch "$batch" --rounds "$rounds" | tee "$out/nnet.txt" >&2

# one NAME FILE / per NAME FILE: microseconds for one image / per image in the batch
one() { grep -F "$1: one image:" "$2" | sed -n 's/.*one image: \([0-9.]*\) us.*/\1/p'; }
per() { grep -F "$1: one image:" "$2" | sed -n 's/.*(\([0-9.]*\) us\/image).*/\1/p'; }
np_one=$(one numpy "$out/numpy.txt") || true
np_per=$(per numpy "$out/numpy.txt") || true
[[ -n $np_one && -n $np_per ]] || { echo "error: no NumPy times in $out/numpy.txt" >&2; exit 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }

echo '## Inference against NumPy'
echo
echo "Command: \`host-trainer bench-inference --batch $batch --rounds $rounds\` (release build) and"
echo "\`python scripts/peers/numpy_infer.py --batch $batch --rounds $rounds\`"
echo "($("$python" -c 'import numpy; print("NumPy", numpy.__version__)'), OpenBLAS from its wheel), run one after"
echo "the other in the same run: one thread each, the first $batch MNIST test images,"
echo 'median per-call time of single-image calls and median time of one call over the whole batch.'
echo '"x NumPy" is how many times faster than NumPy in the same run.'
echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| network | one image | x NumPy | batch of $batch, per image | x NumPy |"
echo '| --- | --- | --- | --- | --- |'
echo "| NumPy float32 (peer) | $np_one µs | 1.0x | $np_per µs | 1.0x |"
rows=0
while IFS= read -r line; do
    name=${line%%: one image:*}
    o=$(one "$name" "$out/nnet.txt")
    [[ -n $o ]] || { echo "error: no one-image time for $name in $out/nnet.txt" >&2; exit 1; }
    rows=$((rows + 1))
    p=$(per "$name" "$out/nnet.txt")
    if [[ -n $p ]]; then
        echo "| nnet-core $name | $o µs | $(ratio "$np_one" "$o") | $p µs | $(ratio "$np_per" "$p") |"
    else
        echo "| nnet-core $name | $o µs | $(ratio "$np_one" "$o") | (no batch call) | |"
    fi
done < <(grep ': one image:' "$out/nnet.txt" || true)
((rows > 0)) || { echo "error: no network timed in $out/nnet.txt" >&2; exit 1; }
