#!/usr/bin/env bash
# Instructions per inference on the Cortex-M4F and Cortex-M3 (QEMU TCG plugin), flash and RAM.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
echo '## Firmware cost (QEMU instruction counts)'
echo
echo 'Command: `scripts/firmware-cost` (release builds of `firmware/boards/qemu`; the instructions'
echo 'executed by one inference of MNIST test image 0, counted by the TCG plugin `scripts/insn_count.c`).'
echo
echo '```'
scripts/firmware-cost
echo '```'
