#!/usr/bin/env bash
# Instructions per inference on the Cortex-M4F and Cortex-M3 (QEMU TCG plugin), flash and RAM.
set -euo pipefail
echo '## Firmware cost (QEMU instruction counts)'
echo
echo '```'
scripts/firmware-cost
echo '```'
