#!/usr/bin/env bash
# Prints the path of a Python with NumPy from PyPI (its wheels bundle OpenBLAS), made on
# first use as a virtual environment under $CARGO_TARGET_DIR/venv-numpy. Used by the
# measurements that run the NumPy peers:  python=$(scripts/peers/numpy-venv.sh)
set -euo pipefail
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
venv=${CARGO_TARGET_DIR:-target}/venv-numpy
if ! "$venv/bin/python" -c 'import numpy' 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q numpy >&2
fi
echo "$venv/bin/python"
