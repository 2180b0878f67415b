#!/usr/bin/env bash
# Prints the path of a Python with NumPy from PyPI (its wheels bundle OpenBLAS; the version
# pinned in scripts/peers/requirements.txt), made on first use as a virtual environment
# under $CARGO_TARGET_DIR/venv-numpy, and made right when it holds another version. Used by
# the measurements that run the NumPy peers:  python=$(scripts/peers/numpy-venv.sh)
set -euo pipefail
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
venv=${CARGO_TARGET_DIR:-target}/venv-numpy
requirements=$(dirname "$0")/requirements.txt
want=$(sed -n 's/^numpy==//p' "$requirements")
[[ -n $want ]] || { echo "error: no numpy==VERSION in $requirements" >&2; exit 1; }
if [[ $("$venv/bin/python" -c 'import numpy; print(numpy.__version__)' 2>/dev/null) != "$want" ]]; then
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q -r "$requirements" >&2
fi
echo "$venv/bin/python"
