#!/usr/bin/env bash
# Flash and RAM use of the STM32F429I-DISC1 binary with the f32 and the int8
# model (scripts/firmware-size, the same report scripts/ci.d/30-firmware-f429.sh prints).
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
report=$(scripts/firmware-size)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../lib/accuracy.sh"
# field LABEL WHAT: "1009156 bytes (985.5 KiB of 1056 KiB, 93.3%)" of the line "LABEL model: WHAT ..."
field() {
    figure "$1 $2 in scripts/firmware-size's report" \
        "$(sed -n "s/^$1 *model: $2 *\([0-9]*\) bytes (\([^;)]*\).*/\1 B (\2)/p" <<<"$report")"
}
echo '## Firmware size'
echo
echo 'Command: `scripts/firmware-size` (release builds of `firmware/boards/f429` for'
echo 'thumbv7em-none-eabihf, `llvm-size -A`; flash = `.vector_table` + `.text` + `.rodata` + `.data`,'
echo 'SRAM = `.data` + `.bss` + `.uninit`; the stack lives in the 64 KiB CCM).'
echo
echo '| STM32F429ZI | f32 model | int8 model (`--features int8`) |'
echo '| --- | --- | --- |'
echo "| flash (of the 1056 KiB for the program) | $(field f32 flash) | $(field int8 flash) |"
echo "| SRAM (of 192 KiB) | $(field f32 SRAM) | $(field int8 SRAM) |"
echo "| model file embedded | $(stat -c %s models/mnist-mlp.nnet) B | $(stat -c %s models/mnist-mlp-i8.nnet) B |"
echo
echo '```'
grep -E '^(==>|section|\.)' <<<"$report"
echo '```'
figures_complete
