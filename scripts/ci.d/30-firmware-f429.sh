#!/usr/bin/env bash
# Firmware: the desktop simulator (lints, tests, a headless frame) and the
# STM32F429I-DISC1 board binary (cross build for thumbv7em-none-eabihf), then
# the board binary's flash and RAM use, checked against the chip.
#   scripts/ci.d/30-firmware-f429.sh      (from the repository root)
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/target-dir.sh

features=simulator
# the interactive window needs SDL2 (libsdl2-dev, installed by scripts/setup; without it, run
# on its own, this step checks the headless simulator alone, unless NNET_REQUIRE_SDL=1, which
# scripts/test sets after setup)
if pkg-config --exists sdl2 2>/dev/null; then
    features=sdl
elif [[ ${NNET_REQUIRE_SDL:-} == 1 ]]; then
    echo "error: SDL2's development files (libsdl2-dev) are missing: scripts/setup installs them" >&2
    exit 1
fi
echo "==> firmware simulator (features: $features): clippy, tests, headless frame"
cargo clippy -q -p firmware --features "$features" --all-targets -- -D warnings
cargo test -q -p firmware --features "$features"
out=$CARGO_TARGET_DIR/firmware-ci
mkdir -p "$out"
cargo run -q -p firmware --features simulator --bin simulator -- \
    --ink tests/data/ink/hershey.jsonl --index 0 --png "$out/simulator.png"
# every UI state on the simulator's display hashes as the golden file says
cargo run -q -p firmware --features simulator --bin simulator -- --ui-hashes >"$out/ui-hashes.txt"
diff -u firmware/tests/data/ui-golden.txt "$out/ui-hashes.txt" || {
    echo "error: the simulator's UI frames differ from firmware/tests/data/ui-golden.txt" >&2
    exit 1
}

echo "==> firmware (feature int8): clippy, tests"
cargo clippy -q -p firmware --features int8 --all-targets -- -D warnings
cargo test -q -p firmware --features int8

echo "==> firmware-f429: fmt, clippy (f32 and int8 model)"
(
    cd firmware/boards
    cargo fmt -p firmware-f429 -- --check
    cargo clippy -q --release --locked -p firmware-f429 -- -D warnings
    cargo clippy -q --release --locked -p firmware-f429 --features int8 -- -D warnings
    # the build-time revision overrides (rev-de is the detected default on boards sold today)
    cargo clippy -q --release --locked -p firmware-f429 --features rev-bc -- -D warnings
)
# release builds of both, their flash and RAM use, checked against the chip
scripts/firmware-size --out "$out"
