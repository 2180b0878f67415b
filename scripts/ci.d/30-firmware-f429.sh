#!/usr/bin/env bash
# Firmware: the desktop simulator (lints, tests, a headless frame) and the
# STM32F429I-DISC1 board binary (cross build for thumbv7em-none-eabihf), then
# the board binary's flash and RAM use, checked against the chip.
#   scripts/ci.d/30-firmware-f429.sh      (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case $CARGO_TARGET_DIR in /*) ;; *) CARGO_TARGET_DIR=$root/$CARGO_TARGET_DIR ;; esac

features=simulator
# the interactive window needs SDL2 (libsdl2-dev, installed by scripts/test)
if pkg-config --exists sdl2 2>/dev/null; then features=sdl; fi
echo "==> firmware simulator (features: $features): clippy, tests, headless frame"
cargo clippy -q -p firmware --features "$features" --all-targets -- -D warnings
cargo test -q -p firmware --features "$features"
out=$CARGO_TARGET_DIR/firmware-ci
mkdir -p "$out"
cargo run -q -p firmware --features simulator --bin simulator -- \
    --ink tests/data/ink/hershey.jsonl --index 0 --png "$out/simulator.png"

echo "==> firmware (feature int8): clippy, tests"
cargo clippy -q -p firmware --features int8 --all-targets -- -D warnings
cargo test -q -p firmware --features int8

size_tool=$(ls "$(rustc --print sysroot)"/lib/rustlib/*/bin/llvm-size | head -n1)
# report_size ELF LABEL: prints the board binary's flash and SRAM use and checks it fits the chip
report_size() {
    local elf=$1 label=$2 flash ram
    echo "==> firmware-f429 size, $label (llvm-size -A $elf)"
    "$size_tool" -A "$elf" | grep -E '^(section|\.vector_table|\.text|\.rodata|\.data|\.bss|\.uninit) '
    # flash = everything loaded from flash (.vector_table .text .rodata + .data's initialisers)
    # SRAM  = .data + .bss + .uninit; the stack is in the 64 KiB CCM (memory.x)
    read -r flash ram < <("$size_tool" -A "$elf" | awk '
        $1 ~ /^\.(vector_table|text|rodata)$/ { f += $2 }
        $1 == ".data" { f += $2; r += $2 }
        $1 ~ /^\.(bss|uninit)$/ { r += $2 }
        END { print f, r }')
    local flash_max=$((2048 * 1024)) ram_max=$((192 * 1024))
    awk -v l="$label" -v f="$flash" -v r="$ram" -v fm="$flash_max" -v rm="$ram_max" 'BEGIN {
        printf "%-4s model: flash %d bytes (%.1f KiB of 2048 KiB, %.1f%%)\n", l, f, f / 1024, 100 * f / fm
        printf "%-4s model: SRAM  %d bytes (%.1f KiB of 192 KiB, %.1f%%; the stack is in the 64 KiB CCM)\n", l, r, r / 1024, 100 * r / rm
    }'
    if ((flash > flash_max || ram > ram_max)); then
        echo "error: firmware-f429 ($label) does not fit the STM32F429ZI (2 MiB flash, 192 KiB SRAM)" >&2
        exit 1
    fi
}

echo "==> firmware-f429: fmt, clippy, release builds for thumbv7em-none-eabihf (f32 and int8 model)"
(
    cd firmware/boards
    cargo fmt -p firmware-f429 -- --check
    cargo clippy -q --release --locked -p firmware-f429 -- -D warnings
    cargo build -q --release --locked -p firmware-f429
)
elf=$CARGO_TARGET_DIR/thumbv7em-none-eabihf/release/firmware-f429
cp "$elf" "$out/firmware-f429-f32"
(
    cd firmware/boards
    cargo clippy -q --release --locked -p firmware-f429 --features int8 -- -D warnings
    cargo build -q --release --locked -p firmware-f429 --features int8
)
cp "$elf" "$out/firmware-f429-int8"

report_size "$out/firmware-f429-f32" f32
report_size "$out/firmware-f429-int8" int8
