#!/usr/bin/env bash
# Training speed: host-trainer's epoch time against the NumPy baseline
# (scripts/peers/numpy_mlp.py, NumPy's bundled OpenBLAS) in the same run, same
# network (784-300-10), batch (64), data (60,000 MNIST images) and thread count.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
threads=${THREADS:-2}
epochs=${EPOCHS:-3}
out=$CARGO_TARGET_DIR/measure/training-speed
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$out"
python=$(scripts/peers/numpy-venv.sh)
cargo build -q --release -p host-trainer
ht=$CARGO_TARGET_DIR/release/host-trainer
bench_cmd=("$ht" bench --data data/mnist --epochs "$epochs" --threads "$threads" --augment)
"${bench_cmd[@]}" | tee "$out/host-trainer.txt" >&2
for opt in sgd adam; do
    "$python" scripts/peers/numpy_mlp.py --data data/mnist --opt "$opt" --epochs "$epochs" \
        --threads "$threads" --no-infer | tee "$out/numpy-$opt.txt" >&2
done
# the shipped model's documented command end to end, run in a scratch directory so that
# its file, command line included, must equal the committed models/mnist-mlp.nnet byte for byte
source scripts/lib/shipped-model.sh
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tmp=$scratch
source scripts/lib/accuracy.sh
t0=$(date +%s.%N)
train_shipped_model "$ht" "$scratch/run" "$out/shipped.txt"
t1=$(date +%s.%N)
shipped_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
if cmp -s "$shipped_model" models/mnist-mlp.nnet; then
    shipped_same="byte for byte the committed \`models/mnist-mlp.nnet\`"
else
    shipped_same="**not** the committed \`models/mnist-mlp.nnet\` (the committed model is stale)"
fi
# every figure read from the runs' output before anything is written: one missing stops the
# section (set -e: a failed `figure` fails its assignment)
ours() { figure "$1 s/epoch in $out/host-trainer.txt" "$(sed -n "s/^$1: \([0-9.]*\) s\/epoch.*/\1/p" "$out/host-trainer.txt")"; }
numpy() { figure "median epoch in $out/numpy-$1.txt" "$(sed -n 's/^# median epoch \([0-9.]*\) s.*/\1/p' "$out/numpy-$1.txt")"; }
ours_sgd=$(ours sgd)
ours_adam=$(ours adam)
numpy_sgd=$(numpy sgd)
numpy_adam=$(numpy adam)
aug=$(figure "augment s/epoch and set-up in $out/host-trainer.txt" \
    "$(sed -n 's/^augment: \([0-9.]*\) s\/epoch.*set-up once per run \([0-9.]*\) s.*/\1 \2/p' "$out/host-trainer.txt")")
epoch_mean=$(figure "epoch times in $out/shipped.txt" \
    "$(sed -n 's/^epoch .*, \([0-9.]*\) s ([0-9]* img\/s).*/\1/p' "$out/shipped.txt" |
        awk '{ s += $1; n++ } END { if (n) printf "%.2f", s / n }')")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo '## Training speed'
echo
echo "Commands, back to back: \`host-trainer bench --data data/mnist --epochs $epochs --threads $threads --augment\`"
echo "(release build), then \`python scripts/peers/numpy_mlp.py --data data/mnist --opt OPT --epochs $epochs --threads $threads --no-infer\`"
echo "for OPT in sgd, adam ($("$python" -c 'import numpy; print("NumPy", numpy.__version__)'), OpenBLAS from its wheel)."
echo "784-300-10, batch 64, 60,000 images per epoch; median seconds per epoch of $epochs timed epochs."
echo "Load average before: $load_before."
echo
echo '| | SGD-momentum s/epoch | Adam s/epoch |'
echo '| --- | --- | --- |'
echo "| \`host-trainer bench\` | **$ours_sgd** | **$ours_adam** |"
echo "| NumPy baseline | $numpy_sgd | $numpy_adam |"
echo "| ratio (NumPy / host-trainer) | **$(ratio "$numpy_sgd" "$ours_sgd")** | **$(ratio "$numpy_adam" "$ours_adam")** |"
echo
echo "\`train --augment\`'s augmentation on its own: **${aug% *} s/epoch** with $threads threads, after a"
echo "set-up of ${aug#* } s once per run (\`bench --augment\`, the default augmentation settings, the same"
echo "timed epochs). \`train\` makes the next epoch's images while an epoch trains, in the same threads,"
echo 'so an epoch takes less than the sum of the two.'
echo
echo "The shipped model's command, \`host-trainer $shipped_cmd\` (release build, in a scratch"
echo "directory), end to end: **$shipped_s s** (mean epoch $epoch_mean s), load average after"
echo "$(cut -d' ' -f1-3 /proc/loadavg); its file is $shipped_same ($trained_kernels)."
echo
echo 'Both print the CPU time other processes used during each epoch; an epoch where that'
echo 'exceeded 10% of its time was contended:'
echo
echo '```'
grep -h -E '^(sgd|adam|augment):|warning' "$out/host-trainer.txt" || true
for opt in sgd adam; do
    echo "numpy $opt: $(grep -E '^ +[0-9]+ ' "$out/numpy-$opt.txt" | awk '{ printf "epoch %s %ss (others %ss)  ", $1, $2, $4 }')"
done
echo '```'
