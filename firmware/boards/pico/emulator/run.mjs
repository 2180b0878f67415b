#!/usr/bin/env node
// Runs the firmware-pico binary - the same UF2 (or ELF) a user flashes - in
// the rp2040js RP2040 emulator, with the RP2040's bootrom, an ST7789 and an
// XPT2046 model on SPI1, and draws scripted digits through the touch model.
//
//   node run.mjs --uf2 firmware-pico.uf2 --scripts DIR [--only 0,2] [--png OUT.png]
//                [--max-boot-ms 300] [--max-inference-cycles 600000] [--poll-budget-cycles N]
//                [--stack-floor ADDR --max-stack BYTES] (paint the stack, report and limit its depth)
//                [--profile OUT.txt]   (emulated cycles per instruction address while the network runs)
//                [--teach FILE.json]   (then draw a script again and teach the board a correction)
//                [--restored FILE.json] (instead of the scripts: draw the taught script, expect the taught answer)
//                [--forget]            (after --restored: hold Clear to forget, draw again, expect the shipped answer)
//                [--hold-clear FILE.json] (after the scripts: hold Clear as long as forgetting takes, expect it to forget)
//                [--jumping-touch N]   (after the scripts: N polls jumping between the drawing area's corners)
//                [--flash-in FILE] [--flash-out FILE] [--flip-flash-byte OFFSET] [--expect-log REGEX ...]
//                [--restarted-by-watchdog | --rebooted-by-bootrom | --restarted-after-panic]
//                [--first-frame-hash HEX]
//                [--flash-fails] [--flash-slowest] [--taught-hash HEX] [--forgot-hash HEX]
//   node run.mjs --uf2 firmware-pico.uf2 --cannot-start REASON [--screen-hash HEX] [--flip-flash-byte OFFSET]
//                [--no-crystal | --pll-unlocked sys|usb]
//
// DIR holds, for each script N, `script-N.json` (the touch polls and what the
// desktop simulator recognised: `simulator --script N --polls`) and
// `script-N.rgb565` (the simulator's frame: `--raw`). For every script the
// harness replays the polls (one poll = one XPT2046 exchange of the firmware),
// waits until the firmware polls again, then requires what the emulated glass
// shows (the display memory through the ST7789's colour inversion and RGB/BGR
// order, which this IPS panel needs as INVON and RGB) to equal the simulator's
// frame pixel for pixel; then it taps the
// Clear button. It fails (exit 1, with the reason) on a hard fault, a panic
// or error message on the firmware's UART, a protocol violation of either
// chip, a hang (no progress within a cycle budget), a wrong frame or a
// figure over a given maximum. Cycles are emulated core cycles at 125 MHz
// (rp2040js counts a fixed cost per instruction and memory access: a budget,
// not a datasheet figure).
//
// --teach FILE.json (`simulator --script N --teach T --polls FILE.json --raw
// FILE.rgb565`): after the scripts, the harness draws script N again and
// plays the polls of the correction (a tap on the shown digit, a tap on key
// T); the screen must then equal the simulator's frame after the correction,
// and the firmware must log the correction with the simulator's new answer and
// the drawing as the simulator's line of ink JSON.
//
// The flash is a W25Q16 model (devices.mjs) behind the RP2040's SSI, so the
// bootrom's erase and program routines work as on the board: what the
// firmware saves there (what it learned) is in the flash image that
// --flash-out writes at the end. --flash-in FILE starts from such an image
// (the firmware image is then written over it, as a UF2 download does), to
// see the board start again with what it learned; --restored FILE.json then
// draws the teach file's script once and requires the simulator's frame after
// the correction and its answer, without teaching. --flip-flash-byte OFFSET
// damages the flash before the start (one bit of the byte at OFFSET).
// --forget then holds the Clear button for the simulator's
// `forget_hold_polls` and releases it (the board forgets what it learned and
// erases it from flash), and draws the script again: the simulator's frame of
// the script and its answer as shipped. --hold-clear FILE.json does the holding
// after the scripts instead, with FILE's Clear button and hold (without
// --restored: what a board with nothing restored, a damaged save say, forgets).
// --flash-fails makes the flash ignore every erase and program (as a chip
// whose status register write-protects it): the firmware must say on its
// screen that it could not keep what it learned. --taught-hash HEX then
// requires the screen after the correction to have that FNV-1a 64 (a line of
// firmware/tests/data/ui-golden.txt) instead of the simulator's frame, and
// --forgot-hash HEX the screen after Clear is released (with --forget;
// without --flash-fails the firmware must log that it forgot, with it that
// erasing failed).
// --flash-slowest makes every flash erase and program take the datasheet's
// longest time instead of its typical one (the watchdog must not fire meanwhile).
// --jumping-touch N: after the scripts, a touch that jumps between the corners
// of the drawing area at every poll for N polls (a glitching resistive panel),
// then lifts: the firmware must keep polling (no poll waits longer than the
// poll budget, 2 s emulated by default) and answer.
// --expect-log REGEX (repeatable) requires a UART line matching each.
// --restarted-by-watchdog starts the board as its watchdog restarts it (the
// watchdog's REASON register says so, and scratch register 4 holds what the
// firmware wrote there when it started the watchdog); --rebooted-by-bootrom as
// the bootrom reboots it after a UF2 copy (REASON says the watchdog too, scratch
// 4 holds 0); --restarted-after-panic as the firmware restarts it after a panic
// (REASON.FORCE, and scratch register 5 holds the panic mark, which the firmware
// must clear); --first-frame-hash HEX requires the
// first frame's FNV-1a 64 (a line of firmware/tests/data/ui-golden.txt).
// Every run requires the firmware's watchdog running at the end and never
// restarting the board (its timer on the emulated clock, as on the chip).
//
// --cannot-start REASON is a run in which the firmware must stop at start-up
// (say, on a flash damaged with --flip-flash-byte): it logs `error: REASON`,
// the core then sleeps for good, the display is on and lit and shows it, with
// --screen-hash HEX the frame whose FNV-1a 64 the UI goldens give (a line of
// firmware/tests/data/ui-golden.txt), and the watchdog is not running (it
// would restart the board into the same failure again and again). No script
// is drawn. --no-crystal: the crystal oscillator never becomes stable (its
// STATUS.STABLE stays clear), as on a board whose crystal does not start;
// --pll-unlocked sys|usb: that PLL never locks (CS.LOCK stays clear). Either
// run also requires the firmware to leave the crystal oscillator disabled and
// both PLLs powered down.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { St7789, Xpt2046, W25q16, attachFlash, WIDTH, HEIGHT, FLASH_SLOWEST_NS } from './devices.mjs';
import { elfFlashSegments, uf2Segments, pngFromRgb565, FLASH_BASE } from './image.mjs';
import { usage } from '../../../../scripts/lib/usage.mjs';

usage(import.meta.url);
// after --help, which needs no npm package (scripts/test asks for it before `npm ci` here)
const { RP2040, GPIOPinState } = await import('rp2040js');

const here = dirname(fileURLToPath(import.meta.url));
const NANOS_PER_CYCLE = 8; // 125 MHz, the clk_sys the firmware sets up
// what the firmware writes to the watchdog's scratch register 4 when it starts the watchdog
// (its WATCHDOG_MAGIC): a start with REASON.TIMER and this value is a restart by it
const WATCHDOG_MARK = 0x6ab73121;
// what its panic handler writes to scratch register 5 before it restarts the board
// (firmware::notice::PANIC_MARK)
const PANIC_MARK = 0x70616e63;
const PIN = { LCD_DC: 8, LCD_CS: 9, LCD_BL: 13, LCD_RST: 15, TP_CS: 16, TP_IRQ: 17, SD_CS: 22, LED: 25 };
// The 2.8" panel's raw XPT2046 readings at the screen edges, the display driven as the
// firmware drives it (MADCTL's MX and MY clear: Waveshare's "L2R_U2D" scan), from the
// factors of Waveshare's demo for that scan: x = 240 - (0.066626 raw_x - 20),
// y = 320 - (0.089779 raw_y - 34); both fall across the screen.
const PANEL = { x0: 3902, x1: 300, y0: 3943, y1: 379 };
const LCD_MAX_HZ = 62.5e6;
const TOUCH_MAX_HZ = 2.5e6;

const SRAM_BASE = 0x20000000;
const STACK_PAINT = 0xcd;

class Failure extends Error {}

function fail(msg) {
  throw new Failure(msg);
}

function parse() {
  const { values } = parseArgs({
    options: {
      uf2: { type: 'string' },
      elf: { type: 'string' },
      bootrom: { type: 'string', default: join(here, 'bootrom-b1.bin') },
      scripts: { type: 'string' },
      only: { type: 'string' },
      png: { type: 'string' },
      'max-boot-ms': { type: 'string' },
      'max-inference-cycles': { type: 'string' },
      'boot-budget-cycles': { type: 'string', default: String(250_000_000) },
      'poll-budget-cycles': { type: 'string', default: String(250_000_000) },
      quiet: { type: 'boolean', default: false },
      profile: { type: 'string' },
      teach: { type: 'string' },
      restored: { type: 'string' },
      forget: { type: 'boolean', default: false },
      'hold-clear': { type: 'string' },
      'jumping-touch': { type: 'string' },
      'flash-in': { type: 'string' },
      'flash-out': { type: 'string' },
      'flip-flash-byte': { type: 'string' },
      'expect-log': { type: 'string', multiple: true, default: [] },
      'stack-floor': { type: 'string' },
      'max-stack': { type: 'string' },
      'cannot-start': { type: 'string' },
      'restarted-by-watchdog': { type: 'boolean', default: false },
      'rebooted-by-bootrom': { type: 'boolean', default: false },
      'restarted-after-panic': { type: 'boolean', default: false },
      'no-crystal': { type: 'boolean', default: false },
      'pll-unlocked': { type: 'string' },
      'first-frame-hash': { type: 'string' },
      'screen-hash': { type: 'string' },
      'flash-fails': { type: 'boolean', default: false },
      'flash-slowest': { type: 'boolean', default: false },
      'taught-hash': { type: 'string' },
      'forgot-hash': { type: 'string' },
    },
  });
  if (!values.uf2 === !values.elf) fail('give the firmware as --uf2 FILE or --elf FILE');
  if (values['cannot-start'] === undefined) {
    if (!values.scripts) fail('give --scripts DIR (script-N.json and script-N.rgb565 from the simulator)');
    if (values['screen-hash'] !== undefined) fail('--screen-hash goes with --cannot-start');
    if (values['no-crystal'] || values['pll-unlocked'] !== undefined) fail('--no-crystal and --pll-unlocked go with --cannot-start (the board cannot run without its clocks)');
  } else {
    for (const o of ['scripts', 'teach', 'restored', 'forget', 'hold-clear', 'jumping-touch', 'flash-out', 'profile', 'max-boot-ms', 'max-inference-cycles', 'first-frame-hash']) {
      if (values[o] !== undefined && values[o] !== false) fail(`--${o} does not go with --cannot-start (the firmware stops before it draws anything)`);
    }
  }
  if (values['taught-hash'] !== undefined && !values.teach) fail('--taught-hash goes with --teach');
  if (values['forgot-hash'] !== undefined && !values.forget && values['hold-clear'] === undefined) fail('--forgot-hash goes with --forget or --hold-clear');
  if (values['hold-clear'] !== undefined && (values.restored !== undefined || values.teach !== undefined)) fail('--hold-clear goes without --teach and --restored (--forget holds Clear after --restored)');
  if (values['jumping-touch'] !== undefined && values.restored !== undefined) fail('--jumping-touch goes without --restored (it leaves the drawing full, and --restored draws after it)');
  if (values.forget && values.restored === undefined) fail('--forget goes with --restored (--hold-clear FILE.json holds Clear after the scripts)');
  for (const o of ['screen-hash', 'first-frame-hash', 'taught-hash', 'forgot-hash']) {
    if (values[o] !== undefined && !/^[0-9a-f]{16}$/i.test(values[o])) fail(`--${o} ${values[o]}: not 16 hex digits`);
  }
  // a limit that is not a number would turn its check off (a comparison with NaN is false)
  if (values['jumping-touch'] !== undefined && !/^[1-9][0-9]{0,5}$/.test(values['jumping-touch'])) fail(`--jumping-touch ${values['jumping-touch']}: not a number of polls from 1 to 999999`);
  for (const o of ['max-boot-ms', 'max-inference-cycles', 'boot-budget-cycles', 'poll-budget-cycles', 'max-stack']) {
    const v = values[o];
    if (v !== undefined && !(/^[0-9]+(\.[0-9]+)?$/.test(v) && Number(v) > 0)) fail(`--${o} ${v}: not a number above 0 (digits, no unit)`);
  }
  return values;
}

// FNV-1a 64 of RGB565 pixels as little-endian bytes: the UI goldens' frame hash
// (firmware::framebuffer::fnv1a64), as 16 hex digits
function fnv1a64(pixels) {
  const mask = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  for (const v of pixels) {
    for (const b of [v & 0xff, v >> 8]) h = ((h ^ BigInt(b)) * 0x100000001b3n) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

function loadScripts(dir, only) {
  const wanted = only ? only.split(',').map((s) => Number(s.trim())) : null;
  const scripts = [];
  for (let n = 0; n < 100; n++) {
    const json = join(dir, `script-${n}.json`);
    if (!existsSync(json)) continue;
    if (wanted && !wanted.includes(n)) continue;
    const s = JSON.parse(readFileSync(json, 'utf8'));
    scripts.push({ ...s, frame: readFrame(join(dir, `script-${n}.rgb565`)) });
  }
  if (scripts.length === 0) fail(`${dir}: no script-N.json${only ? ` for --only ${only}` : ''}`);
  for (const w of wanted ?? []) if (!scripts.some((s) => s.script === w)) fail(`${dir}: no script-${w}.json`);
  return scripts;
}

function readFrame(path) {
  const raw = readFileSync(path);
  if (raw.length !== WIDTH * HEIGHT * 2) fail(`${path}: ${raw.length} bytes, expected ${WIDTH * HEIGHT * 2}`);
  const frame = new Uint16Array(WIDTH * HEIGHT);
  for (let i = 0; i < frame.length; i++) frame[i] = raw.readUInt16LE(2 * i);
  return frame;
}

function loadTeach(json) {
  const t = JSON.parse(readFileSync(json, 'utf8'));
  if (!t.teach || !Array.isArray(t.teach.polls)) fail(`${json}: no "teach" polls (make it with simulator --script N --teach T --polls)`);
  return { ...t, frame: readFrame(json.replace(/\.json$/, '.rgb565')) };
}

function main() {
  const args = parse();
  const halting = args['cannot-start'] === undefined ? null : `error: ${args['cannot-start']}`;
  const scripts = args.restored || halting ? [] : loadScripts(args.scripts, args.only);
  const image = args.uf2 ? uf2Segments(readFileSync(args.uf2)) : elfFlashSegments(readFileSync(args.elf));
  const bootrom = new Uint8Array(readFileSync(args.bootrom));
  if (bootrom.length !== 16384) fail(`${args.bootrom}: ${bootrom.length} bytes, expected the 16 KiB RP2040 bootrom`);

  const mcu = new RP2040();
  mcu.logger = { debug() {}, info() {}, warn() {}, error: (c, m) => emuErrors.push(`${c}: ${m}`) };
  const emuErrors = [];
  mcu.loadBootrom(new Uint32Array(bootrom.buffer));
  if (args['flash-in']) {
    const before = readFileSync(args['flash-in']);
    if (before.length > mcu.flash.length) fail(`${args['flash-in']}: ${before.length} bytes, more than the ${mcu.flash.length}-byte flash`);
    mcu.flash.set(before);
  }
  for (const { addr, data } of image) mcu.flash.set(data, addr - FLASH_BASE);
  if (args['flip-flash-byte']) {
    const at = Number(args['flip-flash-byte']);
    if (!(at >= 0 && at < mcu.flash.length)) fail(`--flip-flash-byte ${args['flip-flash-byte']}: not a flash offset`);
    mcu.flash[at] ^= 0x01;
  }
  // Start in boot2 as the bootrom's flash boot does: LR = 0 makes boot2 enter
  // the vector table at 0x10000100. (rp2040js does not model the chip-reset
  // register the bootrom's own reset path reads.)
  mcu.core.SP = 0x20042000;
  mcu.core.LR = 0;
  mcu.core.PC = FLASH_BASE;
  // --stack-floor ADDR (the ELF's _stack_end: where the statics end): the RAM from there to
  // the top, the stack's, is painted now and the lowest byte ever written found at the end
  const stackFloor = args['stack-floor'] === undefined ? null : Number(args['stack-floor']) - SRAM_BASE;
  if (stackFloor !== null) {
    if (!(stackFloor >= 0 && stackFloor < mcu.sram.length)) fail(`--stack-floor ${args['stack-floor']}: not an SRAM address`);
    mcu.sram.fill(STACK_PAINT, stackFloor);
  }

  // the watchdog (rp2040js's model, on the emulated clock) must never restart the board
  const watchdog = mcu.peripherals[0x40058];
  // REASON.TIMER: the last reset was the watchdog's; scratch 4: whose (the firmware's
  // WATCHDOG_MAGIC, or the bootrom's reboot after a UF2 copy, which leaves 0)
  if (args['restarted-by-watchdog'] && args['rebooted-by-bootrom']) fail('--restarted-by-watchdog or --rebooted-by-bootrom, not both');
  if (args['restarted-by-watchdog'] || args['rebooted-by-bootrom']) watchdog.reason = 1;
  if (args['restarted-by-watchdog']) watchdog.scratchData[4] = WATCHDOG_MARK;
  if (args['restarted-after-panic']) {
    if (args['restarted-by-watchdog'] || args['rebooted-by-bootrom']) fail('--restarted-after-panic is a restart of its own');
    watchdog.reason = 2; // FORCE: the panic handler's trigger
    watchdog.scratchData[5] = PANIC_MARK;
  }
  watchdog.onWatchdogTrigger = () => fail('the watchdog restarted the board: the main loop stopped feeding it');

  // a flag that never sets: bit 31 of the register at `offset` of the peripheral at `base`
  const neverSet = (base, offset) => {
    const p = mcu.peripherals[base];
    const read = p.readUint32.bind(p);
    p.readUint32 = (at) => (at === offset ? read(at) & ~0x8000_0000 : read(at));
  };
  const XOSC = 0x40024;
  const PLLS = { sys: 0x40028, usb: 0x4002c };
  if (args['no-crystal']) neverSet(XOSC, 0x04); // STATUS.STABLE
  if (args['pll-unlocked'] !== undefined) {
    const pll = PLLS[args['pll-unlocked']];
    if (pll === undefined) fail(`--pll-unlocked ${args['pll-unlocked']}: sys or usb`);
    neverSet(pll, 0x00); // CS.LOCK
  }

  const clock = mcu.clock;
  const now = () => clock.nanos;
  const cycles = () => Math.round(clock.nanos / NANOS_PER_CYCLE);
  const chip = new W25q16(mcu.flash, now);
  chip.writeProtected = args['flash-fails'];
  if (args['flash-slowest']) chip.busyNs = FLASH_SLOWEST_NS;
  attachFlash(mcu, chip);
  const lcd = new St7789(now);
  const tp = new Xpt2046(PANEL, 2046);
  const uart = [];
  let uartLine = '';
  mcu.uart[0].onByte = (b) => {
    const c = String.fromCharCode(b);
    if (c === '\n') {
      // with the flash pages programmed by then: a correction is logged once it is saved
      uart.push({ at: cycles(), text: uartLine, programmed: chip.programmed });
      if (!args.quiet) console.log(`  [uart ${(now() / 1e6).toFixed(1)} ms] ${uartLine}`);
      uartLine = '';
    } else if (c !== '\r') uartLine += c;
  };

  const pinLow = (n) => mcu.gpio[n].value === GPIOPinState.Low;
  const level = (n) => mcu.gpio[n].value === GPIOPinState.High;
  mcu.gpio[PIN.LCD_RST].addListener(() => lcd.setReset(level(PIN.LCD_RST)));
  let backlightOn = false;
  mcu.gpio[PIN.LCD_BL].addListener(() => {
    backlightOn = level(PIN.LCD_BL);
    checkFirstFrame();
  });

  // touch exchanges = polls
  let pollsSeen = 0;
  let onPollStart = null;
  let onPollEnd = null;
  let tpSelected = false;
  mcu.gpio[PIN.TP_CS].addListener(() => {
    const sel = pinLow(PIN.TP_CS);
    if (sel === tpSelected) return;
    tpSelected = sel;
    if (sel) {
      tp.select();
      onPollStart?.();
    } else {
      penIrq();
      pollsSeen++;
      onPollEnd?.();
    }
  });
  // TP_IRQ: low while touched, if the last command left the pen interrupt on
  const penIrq = () => mcu.gpio[PIN.TP_IRQ].setInputValue(!(tp.touch && tp.penIrq));
  const setTouch = (t) => {
    tp.touch = t;
    penIrq();
  };
  setTouch(null);

  // inference = the LED on
  const inferences = [];
  let ledOnAt = null;
  mcu.gpio[PIN.LED].addListener(() => {
    if (level(PIN.LED)) ledOnAt = cycles();
    else if (ledOnAt !== null) {
      inferences.push(cycles() - ledOnAt);
      ledOnAt = null;
    }
  });

  // SPI1: one byte per 8 bit times at the programmed clock
  const spi = mcu.spi[1];
  let pendingRx = 0;
  const spiDone = clock.createAlarm(() => spi.completeTransmit(pendingRx));
  const spiErrors = [];
  spi.onTransmit = (value) => {
    const lcdSel = pinLow(PIN.LCD_CS);
    const tpSel = pinLow(PIN.TP_CS);
    const hz = spi.clockFrequency;
    if (spi.dataBits !== 8 || spi.spiMode !== 0) spiErrors.push(`SPI1 in mode ${spi.spiMode} with ${spi.dataBits}-bit frames (both chips want mode 0, 8 bits)`);
    if (lcdSel && tpSel) spiErrors.push('LCD_CS and TP_CS low at the same time');
    if (lcdSel && hz > LCD_MAX_HZ) spiErrors.push(`ST7789 clocked at ${(hz / 1e6).toFixed(1)} MHz (max 62.5)`);
    if (tpSel && hz > TOUCH_MAX_HZ) spiErrors.push(`XPT2046 clocked at ${(hz / 1e6).toFixed(2)} MHz (max 2.5)`);
    if (pinLow(PIN.SD_CS)) spiErrors.push('the microSD card is selected (SD_CS low)');
    pendingRx = 0xff; // nobody drives MISO
    if (lcdSel) {
      lcd.byte(value, level(PIN.LCD_DC));
      pendingRx = 0;
    } else if (tpSel) {
      pendingRx = tp.byte(value);
    }
    spiDone.schedule(hz > 0 ? (8 * 1e9) / hz : 0);
  };

  // boot to the first frame: display on and awake, every pixel written, backlight on
  let firstFrameAt = null;
  function checkFirstFrame() {
    if (firstFrameAt === null && backlightOn && lcd.displayOn && !lcd.sleeping && lcd.complete) firstFrameAt = cycles();
  }

  function checkHealth() {
    const problems = [...spiErrors, ...lcd.errors, ...tp.errors, ...chip.errors, ...emuErrors];
    for (const { text } of uart) if (text !== halting && /panicked|hard fault|error/i.test(text)) problems.push(`firmware: ${text}`);
    if (problems.length) fail(problems.join('\n  '));
  }

  // run until `done()` or `budget` cycles pass; faults end the run
  function run(done, budget, what) {
    const limit = cycles() + budget;
    let steps = 0;
    while (!done()) {
      if (mcu.core.waiting) {
        const dt = clock.nanosToNextAlarm;
        if (dt <= 0) {
          mcu.core.executeInstruction(); // wakes on a pending interrupt, if any
          if (mcu.core.waiting) fail(`${what}: the core sleeps (WFI) with no timer alarm or interrupt to wake it: a hang`);
          continue;
        }
        clock.tick(dt);
      } else {
        const pc = mcu.core.PC;
        const spent = mcu.core.executeInstruction();
        if (profile && ledOnAt !== null) profile.set(pc, (profile.get(pc) ?? 0) + spent);
        clock.tick(spent * NANOS_PER_CYCLE);
      }
      if (mcu.core.IPSR === 3) {
        // let the fault handler print its message
        const until = cycles() + 2_000_000;
        while (cycles() < until) clock.tick((mcu.core.waiting ? 1000 : mcu.core.executeInstruction()) * NANOS_PER_CYCLE);
        fail(`${what}: hard fault (PC 0x${mcu.core.PC.toString(16)})\n  ${uart.map((u) => u.text).join('\n  ')}`);
      }
      if (++steps % 4096 === 0) {
        checkFirstFrame();
        checkHealth();
        if (cycles() > limit) fail(`${what}: no progress within ${budget.toLocaleString('en')} cycles (${(budget * NANOS_PER_CYCLE / 1e6).toFixed(0)} ms emulated): a hang`);
      }
    }
    checkHealth();
  }

  // --cannot-start: the firmware logs `line`, sleeps for good, and its screen says why
  function stopsAtStart(line, budget) {
    run(() => uart.some((u) => u.text === line), budget, `boot to "${line}"`);
    run(() => mcu.core.waiting, 1_000_000, `after "${line}": stopping`);
    // still asleep a while later: nothing wakes it (no alarm, no interrupt)
    if (clock.nanosToNextAlarm > 0) clock.tick(clock.nanosToNextAlarm);
    mcu.core.executeInstruction();
    if (!mcu.core.waiting) fail(`after "${line}": the core runs on instead of stopping`);
    if (!(backlightOn && lcd.displayOn && !lcd.sleeping && lcd.complete)) {
      fail(`"${line}", but the screen does not show it (backlight ${backlightOn ? 'on' : 'off'}, display ${lcd.displayOn && !lcd.sleeping ? 'on' : 'off or asleep'}, ${lcd.complete ? 'every' : 'not every'} pixel written)`);
    }
    const hash = fnv1a64(lcd.glass());
    const png = args.png;
    if (png) writeFileSync(png, pngFromRgb565(lcd.glass(), WIDTH, HEIGHT));
    const want = args['screen-hash']?.toLowerCase();
    if (want && hash !== want) fail(`"${line}": the screen's FNV-1a 64 is ${hash}, the UI goldens' ${want} (${png ? `the screen: ${png}` : '--png FILE writes the screen'})`);
    if (watchdog.enable) fail(`"${line}", but the watchdog runs: it would restart the board into the same failure again and again`);
    for (const re of args['expect-log']) {
      const pattern = new RegExp(re);
      if (!uart.some((u) => pattern.test(u.text))) fail(`no UART line matches /${re}/; the firmware logged:\n  ${uart.map((u) => u.text).join('\n  ')}`);
    }
    console.log(`stopped at start-up: "${line}" on the UART; the screen shows it${want ? ' (the UI goldens\' frame)' : ''}, FNV-1a 64 ${hash}${png ? `, written to ${png}` : ''}; the core sleeps for good, the watchdog is off`);
  }

  // --profile FILE: emulated cycles spent per instruction address while the network runs (LED on)
  const profile = args.profile ? new Map() : null;
  const t0 = Date.now();
  const bootBudget = Number(args['boot-budget-cycles']);
  const pollBudget = Number(args['poll-budget-cycles']);
  if (halting) {
    stopsAtStart(halting, bootBudget);
    if (args['no-crystal'] || args['pll-unlocked'] !== undefined) {
      // a failed start leaves nothing running that the ring oscillator's clocks do not need
      if (mcu.peripherals[XOSC].enabled) fail('the clocks did not start, but the crystal oscillator is left enabled');
      for (const [name, at] of Object.entries(PLLS)) {
        const pwr = mcu.peripherals[at].pwr;
        if (pwr !== 0x2d) fail(`the clocks did not start, but PLL_${name.toUpperCase()} is left powered (PWR 0x${pwr.toString(16)}, powered down 0x2d)`);
      }
      console.log('the crystal oscillator is off and both PLLs are powered down');
    }
    return;
  }
  run(() => firstFrameAt !== null, bootBudget, 'boot to the first frame');
  const firstFrame = fnv1a64(lcd.glass());
  const wantFirst = args['first-frame-hash']?.toLowerCase();
  if (wantFirst && firstFrame !== wantFirst) {
    const png = join(args.scripts, 'emulated-first-frame.png');
    writeFileSync(png, pngFromRgb565(lcd.glass(), WIDTH, HEIGHT));
    fail(`the first frame's FNV-1a 64 is ${firstFrame}, the UI goldens' ${wantFirst} (written ${png})`);
  }
  if (wantFirst) console.log(`first frame: the UI goldens' ${wantFirst}`);
  // the firmware polls the touch controller right after the first frame
  run(() => pollsSeen > 0, pollBudget, 'first touch poll');

  // feeds `polls` one per touch exchange; called between exchanges: the touch
  // changes when an exchange ends, before the firmware's next look at TP_IRQ
  function playPolls(polls, what) {
    let k = 0;
    setTouch(polls[0]);
    onPollEnd = () => {
      k++;
      setTouch(k < polls.length ? polls[k] : null);
    };
    while (k < polls.length) {
      const before = pollsSeen;
      run(() => pollsSeen > before, pollBudget, `${what}, poll ${k + 1} of ${polls.length}`);
    }
    onPollEnd = null;
  }

  // waits until the firmware has handled the last poll fed (it starts the next one)
  function settle(what) {
    onPollEnd = null;
    let started = false;
    onPollStart = () => {
      started = true;
    };
    run(() => started, pollBudget, what);
    onPollStart = null;
  }

  // requires what the glass shows (the display memory through INVON, MADCTL's BGR, sleep and
  // display off) to equal `frame`; on a difference writes both pictures as `emulated-NAME.png`
  // and `expected-NAME.png` and fails
  function requireFrame(frame, name, what) {
    const shown = lcd.glass();
    let diff = 0;
    let first = null;
    for (let i = 0; i < WIDTH * HEIGHT; i++) {
      if (shown[i] !== frame[i]) {
        if (first === null) first = i;
        diff++;
      }
    }
    if (diff) {
      const png = join(args.scripts, `emulated-${name}.png`);
      writeFileSync(png, pngFromRgb565(shown, WIDTH, HEIGHT));
      writeFileSync(join(args.scripts, `expected-${name}.png`), pngFromRgb565(frame, WIDTH, HEIGHT));
      fail(`${what}: the emulated screen differs from the simulator's frame in ${diff} pixels, first at (${first % WIDTH}, ${Math.floor(first / WIDTH)}): emulated 0x${shown[first].toString(16)}, simulator 0x${frame[first].toString(16)} (written ${png} and expected-${name}.png)`);
    }
  }

  // requires the FNV-1a 64 of what the glass shows to be `want` (a UI goldens' frame); on a
  // difference writes the screen as `emulated-NAME.png` and fails
  function requireHash(want, name, what) {
    const shown = lcd.glass();
    const hash = fnv1a64(shown);
    if (hash === want.toLowerCase()) return;
    const png = join(args.scripts, `emulated-${name}.png`);
    writeFileSync(png, pngFromRgb565(shown, WIDTH, HEIGHT));
    fail(`${what}: the screen's FNV-1a 64 is ${hash}, the UI goldens' ${want} (written ${png})`);
  }

  // starts the next polls from the end of the exchange in progress (the
  // firmware read the pen interrupt line for it before the check)
  function finishPoll(what) {
    const inProgress = pollsSeen;
    run(() => pollsSeen > inProgress, pollBudget, `${what}: finishing a poll`);
  }

  const toPoints = (polls) => polls.map((p) => (p ? { x: p[0], y: p[1] } : null));
  // the last UART line starting with `prefix` among those logged since line `since`
  const lastLogged = (since, prefix) => uart.slice(since).map((u) => u.text).filter((t) => t.startsWith(prefix)).pop();
  // draws `polls`, waits until the pen-up is handled, and requires the
  // simulator's `frame` and the firmware's answer `digit` on the UART; returns
  // the answer's log line, the network runs (LED on) and the polls drawn
  function drawAndRecognise(polls, frame, name, digit, what) {
    const uartBefore = uart.length;
    const inferencesBefore = inferences.length;
    const startPoll = pollsSeen;
    playPolls(toPoints(polls), what);
    const drawn = pollsSeen - startPoll;
    settle(`${what}: handling the pen-up`);
    requireFrame(frame, name, what);
    const line = lastLogged(uartBefore, 'recognised');
    if (!line || !line.startsWith(`recognised ${digit} `)) fail(`${what}: the firmware logged ${JSON.stringify(line ?? 'no recognition')}, expected digit ${digit}`);
    // one line per network run (each pen-up runs it), none for a redraw
    const runs = inferences.slice(inferencesBefore);
    const logged = uart.slice(uartBefore).filter((u) => u.text.startsWith('recognised')).length;
    if (logged !== runs.length) fail(`${what}: the firmware logged ${logged} recognitions for ${runs.length} network runs`);
    return { line, runs, polls: drawn };
  }

  const results = [];
  for (const s of scripts) {
    if (s.recognised !== s.digit) fail(`script ${s.script}: the simulator recognised ${s.recognised}, not the drawn ${s.digit}: the frames would not show the right prediction`);
    const clear = { x: s.clear_button[0], y: s.clear_button[1] };
    const drawn = drawAndRecognise(s.polls, s.frame, String(s.script), s.digit, `script ${s.script} (digit ${s.digit})`);
    // every pen-up runs the network (a two-stroke digit: twice); the last one is the answer
    const { runs } = drawn;
    const inference = runs.length ? Math.max(...runs) : null;
    if (inference === null) fail(`script ${s.script}: no inference seen (the LED on GP25 never lit)`);
    lastGlass = lcd.glass();
    results.push({ script: s.script, digit: s.digit, polls: drawn.polls, inference, runs });
    console.log(`script ${s.script}: drew digit ${s.digit} in ${drawn.polls} polls; screen = simulator frame (${WIDTH}x${HEIGHT}, pixel for pixel); ${drawn.line}; inference ${inference.toLocaleString('en')} cycles`);
    // tap Clear (press for the debounce, release)
    finishPoll(`script ${s.script}`);
    playPolls([clear, clear, null, null, null], `script ${s.script}: tapping Clear`);
    onPollEnd = null;
  }

  if (args.teach) {
    // draw a script again, then correct the board's answer as a user does
    const t = loadTeach(args.teach);
    const what = `teach: script ${t.script} (digit ${t.digit}) corrected to ${t.teach.label}`;
    finishPoll(what);
    playPolls(toPoints(t.polls), `${what}: drawing`);
    settle(`${what}: handling the pen-up`);
    finishPoll(what);
    const runsBefore = inferences.length;
    const uartBefore = uart.length;
    const programmedBefore = chip.programmed;
    playPolls(toPoints(t.teach.polls), `${what}: tapping the digit and the key`);
    settle(`${what}: handling the last tap`);
    if (args['taught-hash']) requireHash(args['taught-hash'], 'taught', what);
    else requireFrame(t.frame, 'taught', what);
    const line = lastLogged(uartBefore, 'learned');
    if (!line || !line.startsWith(`learned correction 1: now ${t.teach.recognised} `)) fail(`${what}: the firmware logged ${JSON.stringify(line ?? 'no correction')}, the simulator answers ${t.teach.recognised} after it`);
    // the corrected drawing, logged as a line of ink JSON for `host-trainer train --ink`
    const ink = lastLogged(uartBefore, 'ink ');
    if (ink !== `ink ${t.teach.ink}`) fail(`${what}: the firmware logged the drawing as ${JSON.stringify(ink ?? 'nothing')}, the simulator as ${JSON.stringify(`ink ${t.teach.ink}`)}`);
    // the LED is lit while the network learns: the correction's run is the last
    const learn = inferences.slice(runsBefore).pop();
    if (learn === undefined) fail(`${what}: the LED on GP25 never lit for the correction`);
    const saved = lastLogged(uartBefore, 'saved ');
    // saved before it is logged: the ink line alone takes most of a second at 115200 baud, and
    // a reset meanwhile must not lose the correction
    const learned = uart.slice(uartBefore).find((u) => u.text.startsWith('learned'));
    if (saved && learned.programmed === programmedBefore) fail(`${what}: the firmware logged the correction before it saved it to flash`);
    const shown = args['taught-hash'] ? `the UI goldens' ${args['taught-hash']}` : 'simulator frame (pixel for pixel)';
    console.log(`${what}: screen = ${shown}; ${line}; drawing logged as the simulator's ink line (${ink.length - 4} bytes); correction ${learn.toLocaleString('en')} cycles (${((learn * NANOS_PER_CYCLE) / 1e6).toFixed(2)} ms at 125 MHz)${saved ? `; ${saved}` : ''}`);
  }

  // holds the Clear button for the teach file `t`'s `forget_hold_polls` and releases it: the
  // firmware must log that it forgot (with --flash-fails, that erasing failed); the line logged
  function holdClear(t, file, what) {
    const hold = t.forget_hold_polls;
    if (!Number.isInteger(hold) || hold < 1) fail(`${file}: no "forget_hold_polls" (make it with the simulator's --polls)`);
    const clear = { x: t.clear_button[0], y: t.clear_button[1] };
    const forgetWhat = `${what}: holding Clear for ${hold} polls`;
    const before = uart.length;
    finishPoll(forgetWhat);
    playPolls([...Array(hold).fill(clear), null, null, null, null, null], forgetWhat);
    settle(`${forgetWhat}: handling the release`);
    if (args['forgot-hash']) requireHash(args['forgot-hash'], 'forgot', forgetWhat);
    const said = args['flash-fails'] ? ['erasing the learned flash failed', 'that erasing failed'] : ['forgot ', 'that it forgot'];
    const forgot = lastLogged(before, said[0]);
    if (!forgot) fail(`${forgetWhat}: the firmware did not log ${said[1]}; it logged:\n  ${uart.slice(before).map((u) => u.text).join('\n  ')}`);
    finishPoll(forgetWhat);
    return { hold, forgot };
  }

  if (args['hold-clear']) {
    // after the scripts, Clear held as long as forgetting takes (with nothing restored, a
    // damaged save in flash is still there to forget)
    const { hold, forgot } = holdClear(loadTeach(args['hold-clear']), args['hold-clear'], 'after the scripts');
    console.log(`after the scripts: Clear held ${hold} polls: ${forgot}`);
  }

  if (args['jumping-touch']) {
    // the corners of the drawing area (firmware::ui::DRAW_AREA: 232x212 pixels at (4, 4))
    const corners = [{ x: 5, y: 5 }, { x: 234, y: 214 }, { x: 234, y: 5 }, { x: 5, y: 214 }];
    const n = Number(args['jumping-touch']);
    const what = `jumping touch: ${n} polls between the drawing area's corners`;
    finishPoll(what);
    const before = uart.length;
    playPolls([...Array.from({ length: n }, (_, i) => corners[i % 4]), null, null, null, null, null], what);
    settle(`${what}: handling the pen-up`);
    const line = lastLogged(before, 'recognised');
    if (!line) fail(`${what}: the firmware logged no answer`);
    console.log(`${what}: every poll handled within the poll budget; ${line}`);
  }

  if (args.restored) {
    // started from a flash that holds a correction: the first drawing gets the taught answer
    const t = loadTeach(args.restored);
    const what = `restored: script ${t.script} (digit ${t.digit}, taught ${t.teach.label})`;
    // the simulator's frame and answer after the correction
    const { line, runs, polls } = drawAndRecognise(t.polls, t.frame, 'restored', t.teach.recognised, what);
    results.push({ script: t.script, digit: t.teach.recognised, polls, inference: Math.max(...runs), runs });
    lastGlass = lcd.glass();
    console.log(`${what}: screen = simulator frame after the correction (pixel for pixel); ${line}`);
    if (args.forget) {
      const { hold, forgot } = holdClear(t, args.restored, what);
      // the same drawing again: the answer and the frame as shipped
      const shipped = readFrame(join(args.scripts, `script-${t.script}.rgb565`));
      const again = drawAndRecognise(t.polls, shipped, 'forgot', t.digit, `${what}, forgotten: drawing again`);
      console.log(`${what}: Clear held ${hold} polls: ${forgot}; drawn again: screen = simulator frame of script ${t.script} as shipped; ${again.line}`);
    }
  }

  // after the first frame the firmware runs its watchdog, so that a hang restarts the board
  if (!watchdog.enable) fail('the watchdog is not running: a hang would not restart the board');
  if (watchdog.scratchData[5] === PANIC_MARK) fail('the panic mark in scratch register 5 was not cleared: every start would say it restarted after a panic');
  if (watchdog.scratchData[4] !== WATCHDOG_MARK) fail('the watchdog runs without its mark in scratch register 4: the next start could not tell its restart from the bootrom\'s reboot');

  for (const re of args['expect-log']) {
    const pattern = new RegExp(re);
    if (!uart.some((u) => pattern.test(u.text))) fail(`no UART line matches /${re}/; the firmware logged:\n  ${uart.map((u) => u.text).join('\n  ')}`);
  }
  if (chip.erased || chip.programmed || chip.ignored) {
    console.log(`flash: ${chip.erased / 1024} KiB erased and ${chip.programmed} pages programmed through the bootrom${chip.ignored ? `; ${chip.ignored} erases and programs ignored (--flash-fails)` : ''}${chip.unknown.size ? `; commands not modelled: ${[...chip.unknown].join(' ')}` : ''}`);
  }
  if (args['flash-out']) {
    writeFileSync(args['flash-out'], mcu.flash.subarray(0, chip.size));
    console.log(`wrote ${args['flash-out']} (the ${chip.size / 1024 / 1024} MiB flash)`);
  }

  if (profile) {
    writeFileSync(args.profile, [...profile].sort((a, b) => b[1] - a[1]).map(([pc, n]) => `${pc.toString(16)} ${n}`).join('\n') + '\n');
    console.log(`wrote ${args.profile} (address, emulated cycles spent there with the LED on)`);
  }

  if (args.png) {
    // the last script's frame, as the glass shows it
    writeFileSync(args.png, pngFromRgb565(lastGlass, WIDTH, HEIGHT));
    console.log(`wrote ${args.png}`);
  }

  const bootMs = (firstFrameAt * NANOS_PER_CYCLE) / 1e6;
  const maxInference = Math.max(...results.map((r) => r.inference));
  const all = results.flatMap((r) => r.runs);
  const meanInference = all.reduce((a, c) => a + c, 0) / all.length;
  console.log(`boot to first frame: ${firstFrameAt.toLocaleString('en')} cycles = ${bootMs.toFixed(1)} ms emulated at 125 MHz`);
  console.log(`inference: max ${maxInference.toLocaleString('en')} cycles, mean ${Math.round(meanInference).toLocaleString('en')} cycles over ${all.length} run${all.length === 1 ? '' : 's'} for ${results.length} digit${results.length === 1 ? '' : 's'} (${((maxInference * NANOS_PER_CYCLE) / 1e6).toFixed(2)} ms at 125 MHz)`);
  console.log(`emulated ${(now() / 1e9).toFixed(2)} s in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const maxBoot = args['max-boot-ms'] && Number(args['max-boot-ms']);
  if (maxBoot && bootMs > maxBoot) fail(`boot to first frame ${bootMs.toFixed(1)} ms > the maximum ${maxBoot} ms`);
  const maxInf = args['max-inference-cycles'] && Number(args['max-inference-cycles']);
  if (maxInf && maxInference > maxInf) fail(`inference ${maxInference} cycles > the maximum ${maxInf}`);
  if (stackFloor !== null) {
    let low = stackFloor;
    while (low < mcu.sram.length && mcu.sram[low] === STACK_PAINT) low++;
    const depth = mcu.sram.length - low;
    console.log(`stack: ${depth} bytes at the deepest, of the ${mcu.sram.length - stackFloor} above the statics`);
    const maxStack = args['max-stack'] && Number(args['max-stack']);
    if (low === stackFloor) fail('the stack reached the statics (nothing painted is left)');
    if (maxStack && depth > maxStack) fail(`the stack grew to ${depth} bytes, more than the maximum ${maxStack}`);
  }
  console.log(`${results.length} passed, 0 failed`);
}

let lastGlass = null;

try {
  main();
} catch (e) {
  if (e instanceof Failure) {
    console.error(`FAIL: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
