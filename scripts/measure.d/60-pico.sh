#!/usr/bin/env bash
# Raspberry Pi Pico: flash/RAM of the board binary and emulated cycles (rp2040js) from boot
# to the first frame and per inference, int8 and f32, from the CI step's own run.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
bash scripts/ci.d/60-pico.sh >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
echo '## Raspberry Pi Pico (rp2040js emulation)'
echo
echo 'Command: `scripts/ci.d/60-pico.sh` (its output, filtered).'
echo
# the emulator's version as installed (its package-lock.json pins it)
rp2040js=$(node -p 'require("./firmware/boards/pico/emulator/node_modules/rp2040js/package.json").version')
echo "The \`firmware-pico\` UF2 (release, thumbv6m-none-eabi) run whole in rp2040js $rp2040js with the"
echo 'RP2040 B1 bootrom, drawing the scripted digits through the XPT2046 model; every frame equals'
echo 'the desktop simulator'"'"'s pixel for pixel. Cycles are emulated Cortex-M0+ cycles at 125 MHz'
echo '(rp2040js charges a fixed cost per instruction and memory access, and does not model the'
echo 'XIP flash cache: an approximation, not a datasheet figure). An inference is the time the'
echo 'LED (GP25) is lit around `Classifier::predict`, counted by the emulator; a correction'
echo '(`teach:` lines: the scripted drawing taught as another digit by tapping the shown digit and'
echo 'a key, as a user does) the time it is lit around `Learn::learn`; saving what was learned to'
echo 'flash (`saved ... in T us`, the firmware'"'"'s 1 MHz timer) goes through the bootrom to a W25Q16'
echo 'model busy for the datasheet'"'"'s typical erase and program times (45 ms per 4 KiB sector, 0.4 ms'
echo 'per 256-byte page). `restored:` is the board started again on the flash the correction left.'
echo '`stack:` is how deep the stack grew in the run (SRAM from the statics to the top painted'
echo 'before the start, the lowest byte written found at the end).'
# the targets, as the CI step holds the runs to them
targets=$(sed -n 's/^targets (int8): /Targets (int8): /p' "$log")
[[ -n $targets ]] || { echo "error: scripts/ci.d/60-pico.sh printed no targets" >&2; exit 1; }
echo "$targets."
echo
echo '```'
grep -E '^(int8|f32 ) model: flash|^==> rp2040js|^script [0-9]+:|^teach:|^restored:|^jumping touch:|^flash:|^boot to first frame|^inference:|^stack:|passed, 0 failed' "$log"
echo '```'
