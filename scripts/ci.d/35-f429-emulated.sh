#!/usr/bin/env bash
# The STM32F429I-DISC1 board binary, built as a user flashes it, run whole in an emulator
# (firmware/boards/f429/emulator/run.py: unicorn's Cortex-M4 core and small models of the
# board's parts, see its --help):
#   scripts/ci.d/35-f429-emulated.sh      (from anywhere; needs python3 with venv and pip)
#   1. a Python environment with the pinned emulator packages (target/f429-emu/venv);
#   2. release builds for thumbv7em-none-eabihf (f32 model, then int8) and the desktop
#      simulator's frames and touch polls of the scripted digits for each;
#   3. for each build: every scripted digit drawn through the STMPE811 model must leave the
#      simulator's frame on the screen, pixel for pixel; a correction (tap the digit, tap the
#      right key) gives the simulator's frame and is saved to flash (sector 14 erased and
#      programmed 4 bytes at a time, x32), the same bytes when a failed programming left error
#      flags set in FLASH_SR; started again on that flash the board answers the taught digit at
#      once, also when a probe's host stopped reading the log as the correction came (RTT
#      blocking and full: it waits there, after the save); holding Clear there forgets it (sectors 14 and 15 erased, the shipped answer
#      again); started on the taught flash with one byte of the record damaged it answers as
#      shipped (and the f32 build's start says so in the UI goldens' banner frame; holding Clear
#      there erases it, and the next start has no banner); and no run
#      lets the stack (all of CCM) grow past 56 KiB;
#   4. the f32 build with a crystal that never starts: it runs on the HSI, the drawing as above;
#      with the touch bus stuck: an error on screen and the main loop running on,
#      and once the bus is released the touch works again; a touch controller that resets
#      itself is set up again and the drawing after it works (held in reset, it is tried again
#      once a second); a touch controller that stops
#      converting while touched lets the pen lift and is set up again, one whose touch detect lingers
#      after a lift lets the pen lift within 30 ms; with the flash interface stuck busy,
#      a correction and a forget each give up before the watchdog fires, write no FLASH_CR after
#      (on the chip that stalls), and leave the UI goldens' banner frame (not saved, not erased),
#      and a forget after the correction fails at once; an erase that outlasts the driver's wait
#      leaves the interface locked and the cache on once it ends; restarted by its watchdog, the UI
#      goldens' banner frame until the first ink; with a byte of its embedded model
#      damaged, it stops at start-up and its screen says why (the frame of
#      firmware/tests/data/ui-golden.txt's cannot-start-model-invalid);
#   5. after every run, the display set-up as ST's board support package makes it (LTDC clock,
#      pins, timings, polarities and layer; the ILI9341's RGB interface commands) and the timing
#      in emulated time (the ILI9341's wait after sleep out, the 10 ms touch poll, no stretch
#      without a watchdog feed as long as its shortest timeout, flash at its slowest; see run.py).
# F429_OUT=DIR keeps the artefacts (ELFs, frames, flash images, the emulated screen PNG) there.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
# a relative F429_OUT is the caller's, not the repository's
[[ -z ${F429_OUT:-} ]] || F429_OUT=$(realpath -ms -- "$F429_OUT")
cd "$(dirname "$0")/../.."
source scripts/lib/target-dir.sh
out=${F429_OUT:-$CARGO_TARGET_DIR/f429-emu}
emu=firmware/boards/f429/emulator
mkdir -p "$out"
source scripts/lib/simulator-frames.sh

# (one environment for every run, wherever F429_OUT puts the artefacts)
venv=$CARGO_TARGET_DIR/f429-emu/venv
echo "==> emulator environment: $emu/requirements.txt into $venv"
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$emu/requirements.txt"
py=$venv/bin/python

# The stack is all of CCM (64 KiB, memory.x); an overflow is a fault on the board (and in the
# emulator: nothing is mapped below CCM). Every run must leave 8 KiB of it untouched.
max_stack=$((56 * 1024))
echo "==> every run's stack at most $max_stack bytes of CCM's $((64 * 1024))"

# run NAME ARGS...: one emulated start of the board; its output is kept in $out/NAME.txt
# (a run takes seconds; one still going after 10 minutes is stopped: a hang the emulator's own
# checks missed)
run() {
    local name=$1 status=0
    shift
    timeout 600 "$py" "$emu/run.py" "$@" --max-stack "$max_stack" >"$out/$name.txt" 2>&1 || status=$?
    if ((status != 0)); then
        cat "$out/$name.txt" >&2
        ((status != 124)) || echo "error: F429 emulation '$name' still ran after 10 minutes: stopped" >&2
        echo "error: F429 emulation '$name' failed" >&2
        exit 1
    fi
    echo "$name: $(grep -v '^display:\|^time:' "$out/$name.txt")"
}

# check MODEL CARGO-FEATURE-ARGS...: build, then every scenario above
check() {
    local model=$1
    shift
    echo "==> firmware-f429 ($model model): release build, then the binary in the emulator"
    (cd firmware/boards && cargo build -q --release --locked -p firmware-f429 "$@")
    local elf=$out/firmware-f429-$model.elf sim=$out/$model
    cp "$CARGO_TARGET_DIR/thumbv7em-none-eabihf/release/firmware-f429" "$elf"
    local n
    for ((n = 0; n < simulator_scripts; n++)); do
        run "$model-script-$n" "$elf" --sim "$sim/script-$n.json" \
            --expect-frame "$sim/script-$n.rgb565" --expect-erased ''
    done
    local shipped
    shipped=$(sed -n 's/.*"script":\([0-9]*\).*/\1/p' "$sim/teach.json")
    shipped=$sim/script-$shipped.rgb565
    run "$model-teach" "$elf" --sim "$sim/teach.json" --teach --expect-frame "$sim/teach.rgb565" \
        --expect-erased 14 --flash-out "$out/$model-taught.bin" --png "$out/f429-emulated-$model.png"
    # error flags a failed programming left in FLASH_SR (PGSERR, PGPERR) do not fail the save
    run "$model-teach-flags-left" "$elf" --sim "$sim/teach.json" --teach --flash-sr 0xC0 \
        --expect-erased 14 --flash-out "$out/$model-taught-flags-left.bin"
    if ! cmp -s "$out/$model-taught.bin" "$out/$model-taught-flags-left.bin"; then
        echo "error: with error flags left in FLASH_SR the save wrote other flash than without" >&2
        exit 1
    fi
    run "$model-restored" "$elf" --sim "$sim/teach.json" --flash-in "$out/$model-taught.bin" \
        --expect-frame "$sim/teach.rgb565" --expect-erased ''
    # a probe's host that stops reading the log (RTT in blocking mode, the channel full) as
    # the correction comes: the board then waits for it until the watchdog restarts it, and
    # the correction is in flash by then, as the next start shows
    run "$model-teach-log-blocked" "$elf" --sim "$sim/teach.json" --teach --rtt-block-at-teach \
        --expect-erased 14 --flash-out "$out/$model-taught-log-blocked.bin"
    run "$model-restored-log-blocked" "$elf" --sim "$sim/teach.json" \
        --flash-in "$out/$model-taught-log-blocked.bin" --expect-frame "$sim/teach.rgb565" --expect-erased ''
    # the slot of the newest record (sector 14, the one save) erased last: a cut between the
    # two erases leaves what was there, never an older record
    run "$model-forget" "$elf" --sim "$sim/teach.json" --flash-in "$out/$model-taught.bin" --forget \
        --expect-frame "$shipped" --expect-erased 15,14 --flash-out "$out/$model-forgot.bin"
    run "$model-after-forget" "$elf" --sim "$sim/teach.json" --flash-in "$out/$model-forgot.bin" \
        --expect-frame "$shipped" --expect-erased ''
    # forgetting with the answer on the screen (the Clear logged) and the log blocked as Clear is
    # let go: both slots are erased before the board waits for the host
    run "$model-forget-log-blocked" "$elf" --sim "$sim/teach.json" --flash-in "$out/$model-taught.bin" \
        --hold-clear --rtt-block-at-forget --expect-erased 15,14
    # one byte inside the record's values flipped: its checksum no longer matches
    "$py" -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[1000] ^= 1; open(sys.argv[2], "wb").write(d)' \
        "$out/$model-taught.bin" "$out/$model-damaged.bin"
    run "$model-damaged" "$elf" --sim "$sim/teach.json" --flash-in "$out/$model-damaged.bin" \
        --expect-frame "$shipped" --expect-erased ''
    # every run checked the display set-up and its timing; the correction's run, with a flash save:
    sed -n 's/^\(display\|time\):/teach \1:/p' "$out/$model-teach.txt"
}

simulator_frames "$out/f32" simulator 1 7
check f32
# golden STATE: the frame hash of a UI state in the UI goldens
golden() { awk -v state="$1" '$1 == state { print $2 }' firmware/tests/data/ui-golden.txt; }
# the touch bus stuck (a device holding SCL low): the error on screen, the main loop going on
# (300 passes, each feeding the watchdog), and, once the bus is released, the touch back and a
# drawing that leaves the simulator's frame
run f32-stuck-bus "$out/firmware-f429-f32.elf" --stuck-scl 1000000 --feeds 300 \
    --expect-hash "$(golden empty-touch-bus-stuck)" --png "$out/f429-stuck-bus.png"
run f32-bus-recovered "$out/firmware-f429-f32.elf" --stuck-scl 150 --sim "$out/f32/script-1.json" \
    --expect-frame "$out/f32/script-1.rgb565"
# the boards sold today (revision D/E): the gyroscope answers as an I3G4250D, the touch panel's
# Y axis is mirrored, and the drawing is the simulator's; a gyroscope the firmware does not know:
# it assumes D/E, and the drawing is the simulator's too (a "2": upside down it would not be)
run f32-rev-de "$out/firmware-f429-f32.elf" --gyro d3 --sim "$out/f32/script-2.json" \
    --expect-frame "$out/f32/script-2.rgb565"
run f32-rev-unknown "$out/firmware-f429-f32.elf" --gyro ff --sim "$out/f32/script-2.json" \
    --expect-frame "$out/f32/script-2.rgb565"
# a crystal that does not start (HSERDY never set): the firmware switches it off after its wait,
# clocks the PLLs from the HSI (the display check wants the pixel clock from there) and the
# drawing is the simulator's
run f32-no-hse "$out/firmware-f429-f32.elf" --no-hse --sim "$out/f32/script-1.json" \
    --expect-frame "$out/f32/script-1.rgb565"
# the touch controller misses its address once (a NACK) before the drawing: the firmware ends the
# failed transfer with a STOP, so the bus is free at the next poll, the controller is not torn
# down and set up again (one soft reset: the start-up's), and the drawing is the simulator's
run f32-touch-nack "$out/firmware-f429-f32.elf" --sim "$out/f32/script-1.json" --nack-at-poll 2 \
    --max-touch-resets 1 --expect-frame "$out/f32/script-1.rgb565"
# the touch controller resets itself before the drawing (a discharge through the panel): its touch
# sensing off, it would read as untouched for ever; the firmware sees it switched off, says so and
# sets it up again at once (a second soft reset), and the drawing is the simulator's; held in
# reset for 2.5 s (a supply that stays low), the set-ups meanwhile are lost, and the firmware
# tries again once a second, not at every other poll, until one holds
run f32-touch-reset "$out/firmware-f429-f32.elf" --sim "$out/f32/script-1.json" --idle 120 \
    --reset-touch-at-poll 110 --max-touch-resets 2 --expect-frame "$out/f32/script-1.rgb565"
run f32-touch-held-in-reset "$out/firmware-f429-f32.elf" --sim "$out/f32/script-1.json" --idle 120 \
    --reset-touch-at-poll 110 --reset-touch-for-ms 2500 --max-touch-resets 6 --expect-frame "$out/f32/script-1.rgb565"
# the touch controller stops converting as the pen lifts (touched, no sample): the firmware lifts
# the pen, says so, and sets the controller up again a second later (the run fails if it never
# does); the screen is then the simulator's frame (a driver that held the pen down gives no answer)
run f32-touch-stalled "$out/firmware-f429-f32.elf" --sim "$out/f32/script-1.json" --stall-at-lift --idle 40 \
    --expect-frame "$out/f32/script-1.rgb565"
# a touch detect that lingers 150 ms after the lift with nothing in the FIFO: the pen lifts within
# 30 ms, so the answer is on the screen by the run's end 100 ms after the lift, and the
# controller is not set up again; as the correction's key is let go, such a lift (one a fault
# may cause) lets the key go without acting: nothing learned, nothing saved
run f32-touch-lingers "$out/firmware-f429-f32.elf" --sim "$out/f32/script-1.json" --linger-at-lift 15 --idle 8 \
    --expect-frame "$out/f32/script-1.rgb565" --max-touch-resets 1
run f32-touch-lingers-at-key "$out/firmware-f429-f32.elf" --sim "$out/f32/teach.json" --teach \
    --linger-at-teach 15 --expect-erased ''
# the flash interface stuck busy: the driver gives up before the watchdog fires, the main loop runs
# on, and a banner says what was not kept: over the taught answer (the UI goldens' frame of their
# taught script and digit, drawn and corrected here) and over the empty canvas after forgetting
not_saved=$(awk '$1 ~ /^script[0-9]+-taught[0-9]-not-saved$/ { print $1 }' firmware/tests/data/ui-golden.txt)
[[ $not_saved =~ ^script([0-9]+)-taught([0-9])- ]] || { echo "error: no not-saved state in the UI goldens" >&2; exit 1; }
"$CARGO_TARGET_DIR/debug/simulator" --script "${BASH_REMATCH[1]}" --teach "${BASH_REMATCH[2]}" \
    --polls "$out/f32/teach-not-saved.json" >/dev/null
run f32-not-saved "$out/firmware-f429-f32.elf" --sim "$out/f32/teach-not-saved.json" --teach --flash-stuck-busy \
    --expect-hash "$(golden "$not_saved")" --expect-erased '' --png "$out/f429-not-saved.png"
run f32-not-erased "$out/firmware-f429-f32.elf" --sim "$out/f32/teach.json" --flash-in "$out/f32-taught.bin" \
    --hold-clear --flash-stuck-busy --expect-hash "$(golden forgot-not-erased)" --expect-erased ''
# the same forget after a correction that could not be saved: the interface still busy, the
# erase fails at once instead of waiting another second (the first wait's 1 s is all there is)
run f32-not-saved-not-erased "$out/firmware-f429-f32.elf" --sim "$out/f32/teach-not-saved.json" --teach \
    --hold-clear --flash-stuck-busy --max-busy-ms 1100 --expect-hash "$(golden forgot-not-erased)" --expect-erased ''
# an erase that ends only after the driver gave up on it (1.2 s: 0.2 s after the give-up, within
# the watchdog's timeout for a read of bank 2 that would wait for it on the chip): not saved, and
# once it has ended the interface is locked again and the data cache back on
run f32-saved-late "$out/firmware-f429-f32.elf" --sim "$out/f32/teach-not-saved.json" --teach \
    --flash-busy-ms 1200 --idle 100 --expect-hash "$(golden "$not_saved")" --expect-erased 14
# restarted by the watchdog: a banner over the empty canvas says so (the UI goldens' frame), and
# the first ink takes it away (the simulator's frame of the drawn script)
restarted=$(golden empty-restarted-by-watchdog)
run f32-watchdog-restart "$out/firmware-f429-f32.elf" --restarted-by-watchdog --expect-hash "$restarted"
run f32-watchdog-restart-ink "$out/firmware-f429-f32.elf" --restarted-by-watchdog --sim "$out/f32/script-1.json" \
    --expect-frame "$out/f32/script-1.rgb565"
# restarted after a panic (its mark in backup register 0): a banner over the empty canvas says so
# (the UI goldens' frame) and the mark is cleared for the next start
run f32-panic-restart "$out/firmware-f429-f32.elf" --restarted-after-panic \
    --expect-hash "$(golden empty-restarted-after-panic)"
# started on the taught flash with the record damaged (no other save): a banner over the empty
# canvas says it answers as shipped (the UI goldens' frame)
run f32-learned-damaged "$out/firmware-f429-f32.elf" --flash-in "$out/f32-damaged.bin" \
    --expect-hash "$(golden empty-learned-damaged)" --expect-erased ''
# with nothing restored, holding Clear there still forgets, which erases the damaged save, and
# the next start has no banner
run f32-learned-damaged-forget "$out/firmware-f429-f32.elf" --sim "$out/f32/teach.json" \
    --flash-in "$out/f32-damaged.bin" --hold-clear --expect-hash "$(golden forgot)" --expect-erased 14,15 \
    --flash-out "$out/f32-damaged-forgot.bin"
run f32-learned-damaged-forgotten "$out/firmware-f429-f32.elf" --flash-in "$out/f32-damaged-forgot.bin" \
    --expect-hash "$(golden empty)" --expect-erased ''
# one byte of the embedded model's weights damaged (firmware::model::ALIGNED is the model file):
# it stops at start-up, says why on the screen (the UI goldens' frame), polls nothing and leaves
# the watchdog off
source scripts/lib/elf-size.sh
nm_tool=$(llvm_tool llvm-nm)
model=$("$nm_tool" -C "$out/firmware-f429-f32.elf" | awk 'index($3, "firmware::model::ALIGNED") == 1 { print $1 }')
[[ -n $model ]] || { echo "error: no firmware::model::ALIGNED in firmware-f429-f32.elf" >&2; exit 1; }
cannot_start=$(golden cannot-start-model-invalid)
run f32-model-damaged "$out/firmware-f429-f32.elf" --cannot-start --flip-flash-byte $((0x$model - 0x08000000 + 4096)) \
    --expect-hash "$cannot_start" --budget 100000000 --png "$out/f429-cannot-start.png"
simulator_frames "$out/int8" simulator,int8 5 1
check int8 --features int8
echo "F429 emulation: OK"
