#!/usr/bin/env bash
# The int8 arithmetic and the micromath sigmoid against the default f32 path on
# the 10,000 MNIST test images (nnet-core's quant_accuracy example).
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cmd=(cargo run -q --release -p nnet-core --example quant_accuracy)
echo '## int8 and micromath variants'
echo
echo "Command: \`${cmd[*]}\` (models/mnist-mlp.nnet, data/mnist)"
echo
echo '```'
"${cmd[@]}"
echo '```'
