#!/usr/bin/env bash
# host-trainer on aarch64 Linux (Raspberry Pi, Arm servers) trains the same bytes as
# on x86_64: the trainer built for aarch64-unknown-linux-gnu runs under qemu-aarch64 (user
# mode) and must write the same model file as this machine's build for a short run of the
# shipped model's recipe with ink drawings, and its `evaluate` must print the same report;
# its training threads must flush subnormals to zero as x86_64's do.
#   scripts/ci.d/25-trainer-aarch64.sh      (from the repository root; scripts/setup installs
#   gcc-aarch64-linux-gnu, qemu-user and the Rust target)
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/target-dir.sh
target=aarch64-unknown-linux-gnu
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu) # user mode, with the cross C library's loader
# every run under the emulator is bounded (a hang in qemu-user's thread emulation stops CI
# with a message, not at its time limit)
limit=600
# (a run that ignores the TERM is killed 30 s later)
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="timeout -k 30 $limit ${qemu[*]}"
# code for aarch64 only (no x86_64 kernels) builds without warnings too
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-D warnings"
out=$CARGO_TARGET_DIR/trainer-aarch64
rm -rf "$out"

echo "==> host-trainer for $target; its flush-to-zero test under qemu-aarch64"
cargo build -q --release -p host-trainer --target $target
cargo test -q --release -p host-trainer --target $target --test determinism \
    -- training_threads_flush_subnormals_to_zero >"$CARGO_TARGET_DIR/ftz-aarch64.log" 2>&1 \
    && grep -E '^test result: ok\. [1-9]' "$CARGO_TARGET_DIR/ftz-aarch64.log" \
    || { cat "$CARGO_TARGET_DIR/ftz-aarch64.log" >&2; echo "error: the flush-to-zero test did not pass" >&2; exit 1; }
source scripts/lib/host-bins.sh
host_bins # this machine's build (the dev build trains the bits --release does)
# (MNIST, when this step runs on its own: a no-op when it is there and valid)
"$host_trainer" fetch-mnist --dir data/mnist

# the same relative paths in both runs: the command line is part of the model's notes
args=(train --augment --epochs 2 --limit 3000 --seed 1 --threads 2 --ink ink.jsonl
    --out model.nnet --no-plot --quiet)
run() { # ARCH COMMAND...: train and evaluate in $out/ARCH
    local dir=$out/$1
    shift
    mkdir -p "$dir/data"
    ln -s "$PWD/data/mnist" "$dir/data/mnist"
    head -n 200 tests/data/ink/styles.jsonl >"$dir/ink.jsonl"
    local status=0
    (cd "$dir" && timeout -k 30 $limit "$@" "${args[@]}" >train.txt 2>&1 &&
        timeout -k 30 $limit "$@" evaluate --model model.nnet --ink ink.jsonl --out-dir . >evaluate.txt) ||
        status=$?
    if ((status)); then
        cat "$dir/train.txt" >&2
        ((status != 124 && status != 137)) || echo "error: a run on ${dir##*/} took more than $limit s" >&2
        exit 1
    fi
}
echo "==> host-trainer ${args[*]}: on x86_64, then on aarch64"
SECONDS=0
run x86_64 "$host_trainer"
run aarch64 "${qemu[@]}" "$CARGO_TARGET_DIR/$target/release/host-trainer"
tail -n 1 "$out/aarch64/train.txt"
if ! cmp "$out/x86_64/model.nnet" "$out/aarch64/model.nnet"; then
    echo "error: aarch64 trained another model file than x86_64" >&2
    exit 1
fi
diff -u "$out/x86_64/evaluate.txt" "$out/aarch64/evaluate.txt"
echo "aarch64: the same model file and evaluation as x86_64 ($(head -n 1 "$out/aarch64/evaluate.txt"); ${SECONDS} s)"
