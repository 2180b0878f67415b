#!/usr/bin/env bash
# How much ink the stroke path's default pen gives: mean over synthetic stroke
# digits 0-9 (nnet-core's preprocess test stroke_digits_have_mnist_like_ink).
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cmd=(cargo test -q -p nnet-core --test preprocess stroke_digits_have_mnist_like_ink -- --nocapture)
line=$("${cmd[@]}" 2>/dev/null | grep '^mean ink')
echo '## Stroke path ink'
echo
echo "Command: \`${cmd[*]}\` (digits 0-9 drawn as strokes 200 px tall on a 280x280"
echo 'surface, through `preprocess::from_strokes` with the default pen; means per image of the'
echo 'ink sum, the pixels above 0 and at least 0.5, and the ink box height in pixels):'
echo
echo "    $line"
