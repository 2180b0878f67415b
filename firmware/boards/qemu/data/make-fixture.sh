#!/usr/bin/env bash
# Recreates the committed QEMU self-test fixture: the first 100 MNIST test images
# and labels (t10k) as IDX files with their counts patched to 100.
# Run from the repository root after MNIST is in data/mnist/:
#   bash firmware/boards/qemu/data/make-fixture.sh
set -euo pipefail
src=data/mnist
dst=firmware/boards/qemu/data
n=100
{
    # magic 0x00000803 (u8, 3 dims), count, 28 rows, 28 columns (big-endian u32)
    printf '\x00\x00\x08\x03\x00\x00\x00\x64\x00\x00\x00\x1c\x00\x00\x00\x1c'
    head -c $((16 + n * 784)) "$src/t10k-images-idx3-ubyte" | tail -c +17
} >"$dst/t10k-100-images-idx3-ubyte"
{
    # magic 0x00000801 (u8, 1 dim), count
    printf '\x00\x00\x08\x01\x00\x00\x00\x64'
    head -c $((8 + n)) "$src/t10k-labels-idx1-ubyte" | tail -c +9
} >"$dst/t10k-100-labels-idx1-ubyte"
(cd "$dst" && sha256sum t10k-100-images-idx3-ubyte t10k-100-labels-idx1-ubyte)
