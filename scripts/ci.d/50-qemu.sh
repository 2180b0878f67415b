#!/usr/bin/env bash
# The firmware's QEMU self-test and its instruction count, for the f32 model and the
# int8 model (feature int8), run by scripts/test after the workspace tests, or on its
# own from the repository root:  scripts/ci.d/50-qemu.sh
#   0. fmt + clippy of the self-test crate (firmware/boards/qemu);
#   1. scripts/firmware-cost: builds the mps2-an386 ELFs (f32, int8) and four mps2-an385
#      ELFs (three Cortex-M3 builds and the ARMv6-M int8 one) and the insn_count TCG
#      plugin, counts the instructions of one
#      inference for each and prints flash/RAM figures;
#   then for the f32 and the int8 model, and the int8 model built for ARMv6-M (the Pico's
#   code, on the Cortex-M3 of mps2-an385):
#   2. runs the self-test ELF under qemu-system-arm (the dot product and the int8 sums
#      at the lengths and hidden sizes around the kernels' blocks, 100 MNIST images, the scripted
#      digits through the App, their UI frames written to files over semihosting, the
#      hash of every UI state's frame);
#   3. checks on the host that every prediction and probability is bit-identical to
#      nnet-core on x86_64 and every frame equals the host's, pixel for pixel
#      and the UI hashes equal the host's and firmware/tests/data/ui-golden.txt
#      (cargo test -p firmware --test qemu -- --ignored);
#   4. compares the frames with the desktop simulator's `--raw` output byte for byte.
# A missing qemu-system-arm is an error, never a skip.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v qemu-system-arm >/dev/null; then
    echo "error: qemu-system-arm is not installed; the QEMU self-test cannot run (apt-get install qemu-system-arm)" >&2
    exit 1
fi
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
export CARGO_TARGET_DIR=$target_dir
out=$target_dir/qemu-selftest
rm -rf "$out"
mkdir -p "$out"

# 0. lints of the self-test crate (its own workspace: firmware/boards), f32 and int8
(
    cd firmware/boards
    cargo fmt -p firmware-qemu -- --check
    cargo clippy -q --release --locked -p firmware-qemu -- -D warnings
    cargo clippy -q --release --locked -p firmware-qemu --features int8 -- -D warnings
)

# 1. instruction counts + sizes; builds the ELFs (f32 and int8 for the M4F, three
#    Cortex-M3 variants) into $out/<variant>/ and keeps each bench.log for step 3
scripts/firmware-cost --out "$out"

# run MODEL_ENV CMD...: CMD with NNET_MODEL=MODEL_ENV, or without NNET_MODEL when empty
# (the host builds then embed the same default model files as scripts/firmware-cost)
run() {
    local model=$1
    shift
    if [[ -n $model ]]; then NNET_MODEL=$model "$@"; else env -u NNET_MODEL "$@"; fi
}
f32_env=${NNET_MODEL:-}
i8_env=${NNET_MODEL_I8:-}
# the M4F's f32 and int8 builds on mps2-an386, and the ARMv6-M int8 build (the Pico's
# Thumb-1 hidden layer) on mps2-an385's Cortex-M3, which executes ARMv6-M code
for variant in f32 int8 m0-int8; do
    dir=$out/m4f-$variant machine=mps2-an386
    [[ $variant != m0-int8 ]] || dir=$out/m0-int8 machine=mps2-an385
    if [[ $variant == *int8 ]]; then
        features=(--features int8)
        sim_features=simulator,int8
        model=$i8_env
    else
        features=()
        sim_features=simulator
        model=$f32_env
    fi

    # 2. the self-test proper
    elf=$dir/firmware-qemu
    echo "running the QEMU self-test ($variant model): $elf"
    status=0
    # run in $dir with a relative frame prefix: the firmware splits its command line at
    # spaces, so a checkout path with a space would become more arguments
    (cd "$dir" && timeout 300 qemu-system-arm -M "$machine" -nographic -monitor none -serial null \
        -semihosting-config "enable=on,target=native,arg=firmware-qemu,arg=selftest,arg=frame-" \
        -kernel firmware-qemu >selftest.log) || status=$?
    grep -E '^(selftest|summary|script|FAIL|error|panic|hard fault|usage)' "$dir/selftest.log" || true
    if ((status != 0)); then
        echo "error: the QEMU self-test ($variant) failed with exit code $status (1 check, 2 panic, 3 hard fault, 4 host I/O, 5 data, 124 timeout)" >&2
        exit 1
    fi

    # 3. bit-identity and frames against the host (the host embeds the same model)
    echo "checking the QEMU results ($variant) against nnet-core on the host"
    if ! NNET_QEMU_OUT=$dir run "$model" cargo test -q -p firmware "${features[@]}" --test qemu -- --ignored \
        >"$dir/host-check.txt" 2>&1; then
        cat "$dir/host-check.txt" >&2
        echo "error: the QEMU results ($variant) differ from the host's" >&2
        exit 1
    fi
    grep -E '^test result: ok\. [1-9]' "$dir/host-check.txt" ||
        { echo "error: no host check of the QEMU results ($variant) ran" >&2; exit 1; }

    # 4. the desktop simulator renders the same frames
    frames=$(grep -c '^frame ' "$dir/selftest.log" || true)
    ((frames > 0)) || { echo "error: the self-test ($variant) wrote no frames" >&2; exit 1; }
    run "$model" cargo build -q -p firmware --features "$sim_features" --bin simulator
    for ((i = 0; i < frames; i++)); do
        "$target_dir/debug/simulator" --script "$i" --raw "$dir/simulator-$i.rgb565" >/dev/null
        if ! cmp "$dir/frame-$i.rgb565" "$dir/simulator-$i.rgb565"; then
            echo "error: QEMU frame $i ($variant) differs from the simulator's" >&2
            exit 1
        fi
    done
    echo "QEMU frames 0..$((frames - 1)) ($variant) equal the simulator's byte for byte"
done
echo "QEMU self-tests (f32 and int8 on the M4F, int8 built for ARMv6-M) passed"
