#!/usr/bin/env bash
# The Raspberry Pi Pico binary (firmware/boards/pico) built as a user flashes it and run
# whole in the rp2040js emulator:
#   scripts/ci.d/60-pico.sh      (from anywhere; needs node/npm, installed by scripts/setup)
#   1. fmt + clippy (nnet-core for thumbv6m too), release builds for thumbv6m-none-eabi (int8 model, then f32), the UF2
#      made with the documented converter, flash/RAM use checked against the RP2040;
#   2. the desktop simulator's frames and touch polls of the scripted digits (int8 and f32);
#   3. npm ci of the harness (rp2040js, pinned), then the harness boots the bootrom and the
#      UF2, draws every scripted digit through its XPT2046 model (the f32 build: two
#      digits, its inference is slow to emulate) and requires each ST7789 frame to equal
#      the simulator's pixel for pixel, no fault/panic/hang, and the int8 build's boot to
#      first frame and every inference within their targets (max_boot_ms of emulated time,
#      max_inference_cycles emulated cycles, below; it prints them; the emulator's count is
#      deterministic: a budget, not a timing);
#   4. the log names the embedded model (file, weights, shape, recorded accuracy);
#      a correction on the board (tap the digit, tap the right key) gives the simulator's
#      frame and answer and is saved to flash through the bootrom (a W25Q16 model); the
#      board started again on that flash answers the taught digit at once; holding Clear
#      there forgets it (shipped answer, slots erased: the next start finds nothing), also with
#      every erase and program at the flash datasheet's longest (within the watchdog); started
#      on the taught flash with one byte of the record damaged it says so (log, and the UI goldens'
#      banner frame) and answers as shipped, and holding Clear there erases it (the next start
#      finds nothing);
#      on a flash that ignores erases and programs, a correction and a forget say on the screen
#      what was not kept (the UI goldens' banner frames, the correction's on the f32 build);
#      restarted by its watchdog it shows the UI goldens' banner frame, gone with the first ink;
#      with one byte of its embedded model damaged it stops at start-up and its screen says so
#      (the frame of firmware/tests/data/ui-golden.txt's cannot-start-model-invalid), and so it
#      does on a board whose crystal never starts or whose PLL never locks (cannot-start-no-clock,
#      the crystal and the PLLs then off);
#      and in no run the stack (painted from the statics to the top of SRAM) grows past 64 KiB,
#      the firmware's watchdog restarts the board, or the watchdog is off at the end.
# PICO_OUT=DIR keeps the artefacts (UF2s, frames, emulated screen PNG) there.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
# a relative PICO_OUT is the caller's, not the repository's
[[ -z ${PICO_OUT:-} ]] || PICO_OUT=$(realpath -ms -- "$PICO_OUT")
cd "$(dirname "$0")/../.."
source scripts/lib/target-dir.sh
out=${PICO_OUT:-$CARGO_TARGET_DIR/pico-ci}
mkdir -p "$out"
elf=$CARGO_TARGET_DIR/thumbv6m-none-eabi/release/firmware-pico
emu=firmware/boards/pico/emulator
source scripts/lib/elf-size.sh
source scripts/lib/commas.sh
size_tool=$(llvm_tool llvm-size)

# The stack runs from the top of SRAM down to the statics; the emulation paints it and fails a
# run whose stack grows past this (and the build if the statics leave it less room)
max_stack_kib=64
# and the int8 build's targets: an answer within this many cycles, the first frame within this
# long of emulated time
max_inference_cycles=600000
max_boot_ms=300
printf 'targets (int8): one inference <= %s cycles, boot to first frame <= %s ms; every run: the stack <= %s KiB, and the statics leave it that room\n' \
    "$(commas <<<"$max_inference_cycles")" "$max_boot_ms" "$max_stack_kib"
nm_tool=$(llvm_tool llvm-nm)

# stack MODEL: the harness options that measure and limit the stack of firmware-pico-MODEL.elf
stack() {
    local floor
    floor=$("$nm_tool" "$out/firmware-pico-$1.elf" | awk '$3 == "_stack_end" { print $1 }')
    [[ -n $floor ]] || { echo "error: no _stack_end in firmware-pico-$1.elf" >&2; exit 1; }
    echo "--stack-floor 0x$floor --max-stack $((max_stack_kib * 1024))"
}

# build MODEL CARGO-FEATURE-ARGS...: release ELF + UF2 in $out/firmware-pico-MODEL.{elf,uf2}
build() {
    local model=$1
    shift
    echo "==> firmware-pico ($model model): clippy, release build for thumbv6m-none-eabi, UF2"
    (
        cd firmware/boards
        cargo clippy -q --release --locked -p firmware-pico --target thumbv6m-none-eabi "$@" -- -D warnings
        cargo build -q --release --locked -p firmware-pico --target thumbv6m-none-eabi "$@"
    )
    cp "$elf" "$out/firmware-pico-$model.elf"
    node "$emu/elf2uf2.mjs" "$out/firmware-pico-$model.elf" "$out/firmware-pico-$model.uf2"
    local flash ram sizes totals
    sizes=$("$size_tool" -A "$out/firmware-pico-$model.elf")
    totals=$(elf_totals 'boot2|vector_table|text|rodata' <<<"$sizes")
    read -r flash ram <<<"$totals"
    awk -v m="$model" -v f="$flash" -v r="$ram" 'BEGIN {
        printf "%-4s model: flash %d bytes (%.1f KiB of 2016 KiB), static RAM %d bytes (%.1f KiB of 264 KiB; the rest is stack)\n", m, f, f / 1024, r, r / 1024
    }'
    # the last 32 KiB of the 2 MiB flash keep what the board learned (memory.x)
    if ((flash > 2016 * 1024 || ram > (264 - max_stack_kib) * 1024)); then
        echo "error: firmware-pico ($model) does not fit the Pico (2016 KiB of flash for the program, 264 KiB SRAM with $max_stack_kib KiB left for the stack)" >&2
        exit 1
    fi
}

source scripts/lib/simulator-frames.sh

(cd firmware/boards && cargo fmt -p firmware-pico -- --check)
echo "==> nnet-core for thumbv6m-none-eabi (its ARMv6-M code): clippy"
cargo clippy -q --locked -p nnet-core --target thumbv6m-none-eabi --no-default-features -- -D warnings
echo "==> emulator harness: npm ci (rp2040js)"
(cd "$emu" && npm ci --no-audit --no-fund --loglevel=error)

build int8
# (an assignment, so that a missing symbol stops the script: inside a command's
# arguments its error would only drop the limit)
stack_int8=$(stack int8)
simulator_frames "$out/int8" simulator,int8 5 1
# a limit the harness cannot read is refused, not a check turned off (NaN compares false)
refused=$(node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" \
    --max-inference-cycles 600k 2>&1) && refused=took
[[ $refused == *"--max-inference-cycles 600k: not a number above 0"* ]] || {
    echo "error: run.mjs did not refuse --max-inference-cycles 600k: $refused" >&2
    exit 1
}
echo "==> rp2040js: the int8 UF2 with every scripted digit and a correction, saved to flash"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" $stack_int8 \
    --teach "$out/int8/teach.json" --flash-out "$out/int8/flash-taught.bin" \
    --expect-log '^nnet pico: model mnist-mlp-i8\.nnet: int8, 784-300-10, MNIST test [0-9]+\.[0-9]{2}%$' \
    --expect-log '^nothing learned in flash: the model as shipped$' \
    --expect-log '^saved 1 corrections to flash slot 0, in [0-9]+ us$' \
    --png "$out/pico-emulated.png" --max-boot-ms "$max_boot_ms" --max-inference-cycles "$max_inference_cycles"
echo "==> rp2040js: the int8 UF2 started again on that flash remembers the correction, then forgets it"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" $stack_int8 \
    --flash-in "$out/int8/flash-taught.bin" --restored "$out/int8/teach.json" \
    --forget --flash-out "$out/int8/flash-forgot.bin" \
    --expect-log '^restored 1 corrections from flash slot 0$' \
    --expect-log '^forgot what it learned: the model as shipped, flash slots erased$'
echo "==> rp2040js: the int8 UF2 with the flash at the datasheet's slowest saves and forgets before its watchdog fires"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" --only 5 $stack_int8 \
    --teach "$out/int8/teach.json" --flash-slowest --poll-budget-cycles 750000000 \
    --flash-out "$out/int8/flash-taught-slowest.bin" \
    --expect-log '^saved 1 corrections to flash slot 0, in [0-9]+ us$'
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" $stack_int8 \
    --flash-in "$out/int8/flash-taught-slowest.bin" --restored "$out/int8/teach.json" --forget --flash-slowest \
    --poll-budget-cycles 750000000 \
    --expect-log '^forgot what it learned: the model as shipped, flash slots erased$'
echo "==> rp2040js: the int8 UF2 under a touch that jumps across the screen at every poll keeps polling and answers"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" --only 5 $stack_int8 \
    --jumping-touch 1100
echo "==> rp2040js: the int8 UF2 started on the flash it forgot finds nothing learned"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" --only 5 $stack_int8 \
    --flash-in "$out/int8/flash-forgot.bin" --expect-log '^nothing learned in flash: the model as shipped$'
# golden STATE: the frame hash of a UI state in the UI goldens
golden() { awk -v state="$1" '$1 == state { print $2 }' firmware/tests/data/ui-golden.txt; }
echo "==> rp2040js: the int8 UF2 on a flash that ignores erases forgets in RAM and says the flash still holds it"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" $stack_int8 \
    --flash-in "$out/int8/flash-taught.bin" --restored "$out/int8/teach.json" --forget --flash-fails \
    --forgot-hash "$(golden forgot-not-erased)" \
    --expect-log '^erasing the learned flash failed: the slot read back as save 1, 1 corrections$'
# where the learned values start in flash (memory.x), and a byte inside the record's values
learned=$("$nm_tool" "$out/firmware-pico-int8.elf" | awk '$3 == "__learned_start" { print $1 }')
[[ -n $learned ]] || { echo "error: no __learned_start in firmware-pico-int8.elf" >&2; exit 1; }
learned=$((0x$learned - 0x10000000))
echo "==> rp2040js: the int8 UF2 started on that flash with the record damaged says so and answers as shipped; holding Clear erases it"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" --only 5 $stack_int8 \
    --flash-in "$out/int8/flash-taught.bin" --flip-flash-byte $((learned + 1000)) \
    --expect-log '^learned flash slot 0 ignored: checksum mismatch' \
    --expect-log '^nothing learned in flash: the model as shipped$' \
    --first-frame-hash "$(golden empty-learned-damaged)" \
    --hold-clear "$out/int8/teach.json" --flash-out "$out/int8/flash-damaged-forgot.bin" \
    --expect-log '^forgot what it learned: the model as shipped, flash slots erased$'
echo "==> rp2040js: the int8 UF2 started on the flash whose damaged save it forgot starts plainly"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" --only 5 $stack_int8 \
    --flash-in "$out/int8/flash-damaged-forgot.bin" --expect-log '^nothing learned in flash: the model as shipped$' \
    --first-frame-hash "$(golden empty)"
echo "==> rp2040js: the int8 UF2 restarted by its watchdog says so over the empty canvas until the first ink"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" --only 5 $stack_int8 \
    --restarted-by-watchdog --expect-log '^restarted by the watchdog' \
    --first-frame-hash "$(golden empty-restarted-by-watchdog)"
echo "==> rp2040js: the int8 UF2 restarted by its panic handler says so over the empty canvas until the first ink"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" --only 5 $stack_int8 \
    --restarted-after-panic --expect-log '^restarted after a panic' \
    --first-frame-hash "$(golden empty-restarted-after-panic)"
echo "==> rp2040js: the int8 UF2 rebooted by the bootrom after a UF2 copy (its watchdog reason too) starts plainly"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --scripts "$out/int8" --only 5 $stack_int8 \
    --rebooted-by-bootrom --first-frame-hash "$(golden empty)"
# a byte inside the embedded model's weights (firmware::model::ALIGNED, the model file)
model=$("$nm_tool" -C "$out/firmware-pico-int8.elf" | awk 'index($3, "firmware::model::ALIGNED") == 1 { print $1 }')
[[ -n $model ]] || { echo "error: no firmware::model::ALIGNED in firmware-pico-int8.elf" >&2; exit 1; }
model=$((0x$model - 0x10000000))
cannot_start=$(golden cannot-start-model-invalid)
echo "==> rp2040js: the int8 UF2 with its embedded model damaged says so on the screen and stops"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" --flip-flash-byte $((model + 4096)) \
    --cannot-start 'embedded model is invalid: flash the firmware again' --screen-hash "$cannot_start" --png "$out/pico-cannot-start.png"
# the crystal never stable, then PLL_USB never locked (after PLL_SYS locked): the same screen,
# and the crystal oscillator and both PLLs off again
for fault in --no-crystal '--pll-unlocked usb'; do
    echo "==> rp2040js: the int8 UF2 on a board whose clocks do not start ($fault) says so on the screen and stops"
    # shellcheck disable=SC2086 # the fault is an option, with its value
    node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-int8.uf2" $fault \
        --cannot-start 'the clocks did not start (the 12 MHz crystal or a PLL): the board needs them' \
        --screen-hash "$(golden cannot-start-no-clock)" --png "$out/pico-no-clock.png"
done

build f32 --no-default-features --features f32
stack_f32=$(stack f32)
simulator_frames "$out/f32" simulator 1 7
echo "==> rp2040js: the f32 UF2 with two scripted digits and a correction"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-f32.uf2" --scripts "$out/f32" --only 1,2 $stack_f32 \
    --teach "$out/f32/teach.json" --expect-log '^saved 1 corrections to flash slot 0, in [0-9]+ us$'
# the UI goldens' taught script and digit (their frame of the answer is the f32 model's)
not_saved=$(awk '$1 ~ /^script[0-9]+-taught[0-9]-not-saved$/ { print $1 }' firmware/tests/data/ui-golden.txt)
[[ $not_saved =~ ^script([0-9]+)-taught([0-9])- ]] || { echo "error: no not-saved state in the UI goldens" >&2; exit 1; }
"$CARGO_TARGET_DIR/debug/simulator" --script "${BASH_REMATCH[1]}" --teach "${BASH_REMATCH[2]}" \
    --polls "$out/f32/teach-not-saved.json" --raw "$out/f32/teach-not-saved.rgb565" >/dev/null
echo "==> rp2040js: the f32 UF2 on a flash that ignores programs answers as taught and says it is not saved"
node "$emu/run.mjs" --quiet --uf2 "$out/firmware-pico-f32.uf2" --scripts "$out/f32" --only 1 $stack_f32 \
    --teach "$out/f32/teach-not-saved.json" --flash-fails --taught-hash "$(golden "$not_saved")" \
    --expect-log '^saving to flash failed: the slot read back as empty$'
