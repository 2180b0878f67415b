#!/usr/bin/env bash
# How much ink the stroke path's default pen gives: mean over synthetic stroke
# digits 0-9 (nnet-core's preprocess test stroke_digits_have_mnist_like_ink).
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cmd=(cargo test -q -p nnet-core --test preprocess stroke_digits_have_mnist_like_ink -- --nocapture)
# (a failed build or test, or no line to quote, shows what the command said)
said=$("${cmd[@]}" 2>&1) || { echo "$said" >&2; exit 1; }
line=$(grep '^mean ink' <<<"$said") || { echo "error: no 'mean ink' line in:" >&2; echo "$said" >&2; exit 1; }
echo '## Stroke path ink'
echo
echo "Command: \`${cmd[*]}\` (digits 0-9 drawn as strokes 200 px tall on a 280x280"
echo 'surface, through `preprocess::from_strokes` with the default pen; means per image of the'
echo 'ink sum, the pixels above 0 and at least 0.5, and the ink box height in pixels):'
echo
echo "    $line"
