#!/usr/bin/env bash
# The pictures of the product in the documents (docs/*.png but the handwriting-fonts sheet,
# which drawn-digits writes), taken afresh with the shipped models by the commands the
# documents name: the desktop simulator's frames (firmware/README.md), the F429 and Pico
# binaries in their emulators (scripts/ci.d/35-f429-emulated.sh and 60-pico.sh) and the web
# page in headless Chromium (the end-to-end tests of scripts/ci.d/40-web.sh). Prints what
# each one shows, so that no caption has to repeat a figure.
source "$(dirname "$0")/../lib/usage.sh"
usage_no_args "$@"
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sim() { cargo run -q --release -p firmware --features simulator --bin simulator -- "$@"; }
# every picture is taken into $tmp first and copied into docs/ only once all of them are
# there and their captions' figures are read: a failure leaves docs/ as it was
sim --ink tests/data/ink/hershey.jsonl --index 49 --png "$tmp/simulator.png" --scale 2 >"$tmp/sim.txt"
sim --script 0 --teach 6 --hold-clear --png "$tmp/simulator-forget.png" --scale 2 >"$tmp/forget.txt"
sim --script 0 --keypad --png "$tmp/simulator-keypad.png" --scale 2 >"$tmp/keypad.txt"
F429_OUT=$tmp/f429 bash scripts/ci.d/35-f429-emulated.sh >"$tmp/f429.txt"
cp "$tmp/f429/f429-emulated-f32.png" "$tmp/f429-emulated.png"
PICO_OUT=$tmp/pico bash scripts/ci.d/60-pico.sh >"$tmp/pico.txt"
cp "$tmp/pico/pico-emulated.png" "$tmp/pico-emulated.png"
# (the screenshots of an earlier run go first: only this run's can be copied)
rm -f out/web-demo.png out/web-demo-phone.png
bash scripts/ci.d/40-web.sh >"$tmp/web.txt" 2>&1 || { cat "$tmp/web.txt" >&2; exit 1; }
cp out/web-demo.png out/web-demo-phone.png "$tmp/"

# recognised FILE [PREFIX]: "D (P%)" of the first line PREFIX"recognised: D (P%)" of FILE
recognised() {
    local r
    r=$(sed -n "s/^${2:-}recognised: \([0-9]\) (\([0-9.]*%\)).*/\1 (\2)/p" "$1" | head -n 1)
    [[ -n $r ]] || { echo "error: no '${2:-}recognised:' line in $1" >&2; exit 1; }
    echo "$r"
}
sim_answer=$(recognised "$tmp/sim.txt")
sim_label=$(sed -n 's/^label: \([0-9]\)$/\1/p' "$tmp/sim.txt")
# the scripted digit 0's label ("script 0: drawn digit D")
script0=$(sed -n 's/^script 0: drawn digit \([0-9]\)$/\1/p' "$tmp/keypad.txt")
forget_before=$(recognised "$tmp/forget.txt")
forget_after=$(recognised "$tmp/forget.txt" 'taught 6: ')
keypad_answer=$(recognised "$tmp/keypad.txt")
teach=$(sed -n 's/.*"digit":\([0-9]\).*/\1/p' "$tmp/f429/f32/teach.json")
[[ -n $teach && -n $script0 && -n $sim_label ]] ||
    { echo "error: a drawn digit's label is missing from the tools' output" >&2; exit 1; }
for png in simulator simulator-forget simulator-keypad f429-emulated pico-emulated web-demo web-demo-phone; do
    cp "$tmp/$png.png" docs/
done
echo '## Pictures in the documents'
echo
echo 'The screenshots in the documents, taken with the shipped models by'
echo '`scripts/measure pictures` (`scripts/measure.d/80-pictures.sh`): the commands below write'
echo 'them into `docs/`.'
echo
echo '| picture | what it shows | command |'
echo '| --- | --- | --- |'
echo "| [simulator.png](simulator.png) | Hershey drawing 50, a $sim_label, recognised as $sim_answer | \`simulator --ink tests/data/ink/hershey.jsonl --index 49 --png docs/simulator.png --scale 2\` |"
echo "| [simulator-forget.png](simulator-forget.png) | scripted digit 0 (a $script0), recognised as $forget_before, taught as 6, then recognised as $forget_after, and Clear held | \`simulator --script 0 --teach 6 --hold-clear --png docs/simulator-forget.png --scale 2\` |"
echo "| [simulator-keypad.png](simulator-keypad.png) | scripted digit 0 (a $script0), recognised as $keypad_answer, and the teaching keys | \`simulator --script 0 --keypad --png docs/simulator-keypad.png --scale 2\` |"
echo "| [f429-emulated.png](f429-emulated.png) | the F429 binary (f32) in its emulator after the scripted $teach was corrected | \`scripts/ci.d/35-f429-emulated.sh\` (\`f429-emulated-f32.png\`) |"
echo "| [pico-emulated.png](pico-emulated.png) | the Pico binary (int8) in rp2040js, the emulated ST7789's last frame | \`scripts/ci.d/60-pico.sh\` (\`pico-emulated.png\`) |"
echo "| [web-demo.png](web-demo.png), [web-demo-phone.png](web-demo-phone.png) | the web page in headless Chromium on a desktop and a phone, a 7 drawn | \`scripts/ci.d/40-web.sh\` (\`out/\`) |"
echo
echo '(`simulator` is `cargo run --release -p firmware --features simulator --bin simulator --`.)'
