// Models of the two SPI chips of Waveshare's Pico-ResTouch-LCD-2.8, as the
// firmware sees them: an ST7789 display controller and an XPT2046 touch
// controller. Every protocol violation is collected in `errors` with a message
// that says what the datasheet expects.

export const WIDTH = 240;
export const HEIGHT = 320;

const MS = 1e6; // nanoseconds

/**
 * ST7789 (240x320 RGB565 over 4-wire SPI). Decodes the command stream into
 * its frame memory: hardware reset, SWRESET, SLPIN/SLPOUT, NORON, INVOFF/INVON,
 * DISPOFF/DISPON, CASET/RASET, RAMWR (with RAMWR continuing the window),
 * MADCTL (MY/MX/MV address order; BGR swaps red and blue on the glass) and
 * COLMOD (16 bit/pixel only).
 * Checks the datasheet's times: a reset pulse of 10 us at least, 5 ms after a reset before any command, 120 ms
 * after a reset before SLPOUT, 5 ms after SLPOUT before the next command.
 */
export class St7789 {
  constructor(now) {
    this.now = now; // () => emulated nanoseconds
    this.memory = new Uint16Array(WIDTH * HEIGHT);
    this.written = new Uint8Array(WIDTH * HEIGHT);
    this.writtenCount = 0;
    this.errors = [];
    this.log = [];
    this.unknown = new Set();
    this.hardReset();
  }

  hardReset() {
    this.resetAt = this.now();
    this.sleeping = true;
    this.displayOn = false;
    this.inverted = false;
    this.madctl = 0;
    this.colmod = 0x66; // reset default: 18 bit/pixel
    this.xs = 0;
    this.xe = WIDTH - 1;
    this.ys = 0;
    this.ye = HEIGHT - 1;
    this.cmd = null;
    this.params = [];
    this.sleepOutAt = null;
  }

  error(msg) {
    if (this.errors.length < 20) this.errors.push(`ST7789: ${msg}`);
  }

  /** The RESX line (active low): a pulse of 10 us at least resets (the datasheet: 5 to 10 us
   * may or may not). */
  setReset(high) {
    if (!high) {
      if (!this.inReset) this.lowAt = this.now();
      this.inReset = true;
    } else if (this.inReset) {
      this.inReset = false;
      const us = (this.now() - this.lowAt) / (MS / 1000);
      if (us < 10) this.error(`reset pulse of ${us.toFixed(2)} us (datasheet: at least 10 us)`);
      this.hardReset();
      this.log.push('reset');
    }
  }

  /** One byte clocked in with chip select low; `data` is the D/C line. */
  byte(value, data) {
    if (this.inReset) return;
    if (!data) return this.command(value);
    if (this.cmd === null) {
      this.error(`data byte 0x${value.toString(16)} without a command`);
      return;
    }
    if (this.cmd === 0x2c || this.cmd === 0x3c) return this.pixelByte(value);
    this.params.push(value);
    this.parameters();
  }

  command(c) {
    const t = this.now();
    const since = (t - this.resetAt) / MS;
    if (since < 5) this.error(`command 0x${c.toString(16)} ${since.toFixed(2)} ms after reset (datasheet: wait 5 ms)`);
    if (this.sleepOutAt !== null && (t - this.sleepOutAt) / MS < 5) {
      this.error(`command 0x${c.toString(16)} ${((t - this.sleepOutAt) / MS).toFixed(2)} ms after SLPOUT (datasheet: wait 5 ms)`);
    }
    this.sleepOutAt = null;
    this.cmd = c;
    this.params = [];
    this.log.push(`0x${c.toString(16).padStart(2, '0')}`);
    switch (c) {
      case 0x00: // NOP
        break;
      case 0x01: // SWRESET
        this.hardReset();
        break;
      case 0x10:
        this.sleeping = true;
        break;
      case 0x11: // SLPOUT
        if (since < 120) this.error(`SLPOUT ${since.toFixed(2)} ms after reset (datasheet: wait 120 ms)`);
        this.sleeping = false;
        this.sleepOutAt = t;
        break;
      case 0x13: // NORON
        break;
      case 0x20:
        this.inverted = false;
        break;
      case 0x21:
        this.inverted = true;
        break;
      case 0x28:
        this.displayOn = false;
        break;
      case 0x29:
        this.displayOn = true;
        break;
      case 0x2c: // RAMWR: start at the window's first column and row
        if ((this.colmod & 0x7) !== 5) this.error(`RAMWR with COLMOD 0x${this.colmod.toString(16)} (expected 16 bit/pixel, 0x55)`);
        this.col = this.xs;
        this.row = this.ys;
        this.half = null;
        break;
      case 0x3c: // RAMWRC: continue where the last write stopped
        this.half = null;
        break;
      case 0x2a:
      case 0x2b:
      case 0x36:
      case 0x3a:
        break;
      default:
        this.unknown.add(c);
    }
  }

  parameters() {
    const p = this.params;
    switch (this.cmd) {
      case 0x2a:
        if (p.length === 4) {
          this.xs = (p[0] << 8) | p[1];
          this.xe = (p[2] << 8) | p[3];
          if (this.xs > this.xe) this.error(`CASET start ${this.xs} > end ${this.xe}`);
        }
        break;
      case 0x2b:
        if (p.length === 4) {
          this.ys = (p[0] << 8) | p[1];
          this.ye = (p[2] << 8) | p[3];
          if (this.ys > this.ye) this.error(`RASET start ${this.ys} > end ${this.ye}`);
        }
        break;
      case 0x36:
        if (p.length === 1) this.madctl = p[0];
        break;
      case 0x3a:
        if (p.length === 1) this.colmod = p[0];
        break;
      default:
        if (p.length > 64) this.error(`command 0x${this.cmd.toString(16)}: ${p.length} parameter bytes`);
    }
  }

  pixelByte(value) {
    if (this.half === null) {
      this.half = value;
      return;
    }
    const rgb = (this.half << 8) | value;
    this.half = null;
    this.store(this.col, this.row, rgb);
    this.col++;
    if (this.col > this.xe) {
      this.col = this.xs;
      this.row++;
      if (this.row > this.ye) this.row = this.ys;
    }
  }

  /** Writes a pixel at window address (c, r), honouring MADCTL's MV/MX/MY. */
  store(c, r, rgb) {
    const mv = this.madctl & 0x20;
    const mx = this.madctl & 0x40;
    const my = this.madctl & 0x80;
    let x = mv ? r : c;
    let y = mv ? c : r;
    if (mx) x = WIDTH - 1 - x;
    if (my) y = HEIGHT - 1 - y;
    if (x < 0 || x >= WIDTH || y < 0 || y >= HEIGHT) {
      this.error(`pixel written outside the 240x320 memory at (${x}, ${y}) (window ${this.xs}..${this.xe} x ${this.ys}..${this.ye}, MADCTL 0x${this.madctl.toString(16)})`);
      return;
    }
    const i = y * WIDTH + x;
    this.memory[i] = rgb;
    if (!this.written[i]) {
      this.written[i] = 1;
      this.writtenCount++;
    }
  }

  /** Every pixel of the frame memory has been written since power-up. */
  get complete() {
    return this.writtenCount === WIDTH * HEIGHT;
  }

  /**
   * What the glass shows (RGB565): black while asleep or off; this IPS panel
   * shows the memory's colours with INVON (as Waveshare's set-up sends it) and
   * their complement without, and with MADCTL's BGR bit red and blue swapped
   * (the panel's subpixels are in RGB order).
   */
  glass() {
    const out = new Uint16Array(WIDTH * HEIGHT);
    if (this.sleeping || !this.displayOn) return out;
    const bgr = this.madctl & 0x08;
    for (let i = 0; i < out.length; i++) {
      const m = this.inverted ? this.memory[i] : ~this.memory[i] & 0xffff;
      out[i] = bgr ? ((m & 0x1f) << 11) | (m & 0x07e0) | (m >> 11) : m;
    }
    return out;
  }
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * XPT2046 behind a resistive panel. `touch` is null (no contact) or a screen
 * pixel {x, y}; the panel maps it to raw 12-bit readings through `panel`
 * (raw values at the screen's edges). Each conversion gets Gaussian noise
 * (sigma 1.5 LSB, at most 4), and the first conversion after the
 * multiplexer switches channels has not settled yet (it still carries a
 * quarter of the previous channel's level). PENIRQ is low while touched, if the
 * last command's power-down bits left the pen interrupt on (PD0 = 0: `penIrq`).
 */
export class Xpt2046 {
  constructor(panel, seed = 1) {
    this.panel = panel;
    this.random = rng(seed);
    this.touch = null;
    this.out = [];
    this.lastChannel = -1;
    this.lastValue = 0;
    this.errors = [];
    this.conversions = 0;
    this.penIrq = true; // power-on: PD1-PD0 = 00, the pen interrupt on
  }

  noise() {
    // Box-Muller, clamped
    const u = Math.max(this.random(), 1e-12);
    const v = this.random();
    const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) * 1.5;
    return Math.max(-4, Math.min(4, Math.round(g)));
  }

  /** The raw value a channel converges to for the current touch. */
  level(channel) {
    const t = this.touch;
    const p = this.panel;
    switch (channel) {
      case 5: // X
        return t ? p.x0 + ((t.x + 0.5) * (p.x1 - p.x0)) / WIDTH : 0;
      case 1: // Y
        return t ? p.y0 + ((t.y + 0.5) * (p.y1 - p.y0)) / HEIGHT : 0;
      case 3: // Z1
        return t ? 520 : 0;
      case 4: // Z2
        return t ? 3420 : 4095;
      default:
        return 0;
    }
  }

  /** Chip select fell: a new exchange starts. */
  select() {
    this.out = [];
  }

  /** One byte clocked with chip select low; returns the byte shifted out. */
  byte(value) {
    const rx = this.out.length ? this.out.shift() : 0;
    if (value & 0x80) {
      const channel = (value >> 4) & 7;
      if (value & 0x08) this.errors.push('XPT2046: 8-bit mode requested (the firmware expects 12-bit conversions)');
      if (value & 0x04) this.errors.push('XPT2046: single-ended reference requested (the firmware expects a differential one)');
      this.penIrq = (value & 0x01) === 0;
      let v = this.level(channel);
      if (channel !== this.lastChannel) v += (this.lastValue - v) * 0.25; // not settled yet
      this.lastChannel = channel;
      this.lastValue = this.level(channel);
      v = Math.max(0, Math.min(4095, Math.round(v) + this.noise()));
      this.conversions++;
      this.out = [v >> 5, (v << 3) & 0xff];
    }
    return rx;
  }
}

const US = 1e3; // nanoseconds
// W25Q16JV datasheet, typical times: sector (4 KiB) erase 45 ms, 32/64 KiB block
// erase 120/150 ms, page program 0.4 ms, write status register 10 ms.
const FLASH_BUSY_NS = { 0x20: 45 * MS, 0x52: 120 * MS, 0xd8: 150 * MS, 0x02: 400 * US, 0x01: 10 * MS };
// and its maxima: sector erase 400 ms, 32/64 KiB block erase 1.6/2 s, page program 3 ms,
// write status register 15 ms
export const FLASH_SLOWEST_NS = { 0x20: 400 * MS, 0x52: 1600 * MS, 0xd8: 2000 * MS, 0x02: 3 * MS, 0x01: 15 * MS };
const ERASE_BYTES = { 0x20: 4096, 0x52: 32 * 1024, 0xd8: 64 * 1024 };

/**
 * The Pico's W25Q16 SPI NOR flash behind the RP2040's SSI, for the bootrom's
 * erase and program routines: the commands they send with chip select
 * forced low (write enable, read status, sector/block erase, page program,
 * read, JEDEC ID) act on `flash` (the emulator's flash array, which
 * execute-in-place reads) as the chip would. An erase sets bytes to 0xff; a
 * program can only clear bits and wraps within its 256-byte page; each takes
 * the datasheet's typical time (`busyNs`; FLASH_SLOWEST_NS: its longest),
 * during which the status register reads busy.
 * Protocol mistakes (an erase or program without write enable, a command
 * while busy, an address that is not 3 bytes) are collected in `errors`.
 */
export class W25q16 {
  constructor(flash, now) {
    this.flash = flash; // Uint8Array
    this.now = now; // () => emulated nanoseconds
    this.busyNs = FLASH_BUSY_NS; // how long each command keeps it busy (FLASH_SLOWEST_NS: the maxima)
    this.size = 2 * 1024 * 1024;
    this.selected = false;
    this.bytes = [];
    this.wel = false;
    this.busyUntil = 0;
    this.errors = [];
    this.erased = 0; // bytes
    this.programmed = 0; // pages
    this.unknown = new Set();
    // writeProtected: erases and page programs are taken (write enable, then the command)
    // and change nothing, as on a chip whose status register protects it; counted in `ignored`
    this.writeProtected = false;
    this.ignored = 0;
  }

  error(msg) {
    if (this.errors.length < 20) this.errors.push(`W25Q16: ${msg}`);
  }

  busy() {
    return this.now() < this.busyUntil;
  }

  select() {
    if (this.selected) return;
    this.selected = true;
    this.bytes = [];
  }

  deselect() {
    if (!this.selected) return;
    this.selected = false;
    this.execute(this.bytes);
    this.bytes = [];
  }

  address(b) {
    return ((b[1] << 16) | (b[2] << 8) | b[3]) % this.size;
  }

  /** One byte clocked in with chip select low; returns the byte clocked out. */
  byte(value) {
    const b = this.bytes;
    b.push(value);
    const i = b.length - 1;
    if (i === 0) return 0xff;
    switch (b[0]) {
      case 0x05: // read status register 1: WIP, WEL
        return (this.busy() ? 1 : 0) | (this.wel ? 2 : 0);
      case 0x35: // read status register 2: QE set (the Pico's boot2 sets it)
        return 0x02;
      case 0x9f: // JEDEC ID: Winbond, W25Q16JV
        return [0xef, 0x40, 0x15][i - 1] ?? 0xff;
      case 0x03: // read data
        return i >= 4 ? this.flash[(this.address(b) + i - 4) % this.size] : 0xff;
      default:
        return 0xff;
    }
  }

  /** Chip select rose: erase, program and write-enable take effect now. */
  execute(b) {
    if (b.length === 0) return;
    const cmd = b[0];
    const hex = `0x${cmd.toString(16).padStart(2, '0')}`;
    if (this.busy() && cmd !== 0x05 && cmd !== 0x35) {
      this.error(`command ${hex} while an erase or program is in progress (poll status until WIP clears)`);
      return;
    }
    switch (cmd) {
      case 0x06:
        this.wel = true;
        return;
      case 0x04:
        this.wel = false;
        return;
      case 0x01: // write status register (boot2's quad-enable)
      case 0x20:
      case 0x52:
      case 0xd8:
      case 0x02: {
        if (!this.wel) {
          this.error(`command ${hex} without write enable (0x06) first: the chip ignores it`);
          return;
        }
        this.wel = false;
        if (this.writeProtected && cmd !== 0x01) {
          this.ignored++;
          return;
        }
        this.busyUntil = this.now() + this.busyNs[cmd];
        if (cmd === 0x01) return;
        if (b.length < 4) {
          this.error(`command ${hex} with ${b.length - 1} address bytes (needs 3)`);
          return;
        }
        const addr = this.address(b);
        if (cmd === 0x02) {
          const page = addr & ~0xff;
          const data = b.slice(4);
          if (data.length > 256) this.error(`page program of ${data.length} bytes (at most 256: the rest overwrites the page's start)`);
          for (let k = 0; k < data.length; k++) this.flash[page + ((addr + k) & 0xff)] &= data[k];
          this.programmed++;
        } else {
          const size = ERASE_BYTES[cmd];
          const start = addr & ~(size - 1);
          this.flash.fill(0xff, start, start + size);
          this.erased += size;
        }
        return;
      }
      case 0x05:
      case 0x35:
      case 0x03:
      case 0x9f:
      case 0x00: // the bootrom's XIP exit clocks out zero bytes
      case 0xff: // and 0xff to end continuous-read mode
        return;
      default:
        this.unknown.add(hex);
    }
  }
}

const SSI_TXFLR = 0x20;
const SSI_RXFLR = 0x24;
const SSI_SR = 0x28;
const SSI_SSIENR = 0x08;
const SSI_DR0 = 0x60;
const SSI_SR_BITS = { TFNF: 0x2, TFE: 0x4, RFNE: 0x8 };
const QSPI_SS_CTRL = 0x0c;
const SSI_CTRLR0 = 0x00;
const SSI_TMOD_EEPROM_READ = 3; // CTRLR0 bits 9:8 as boot2 sets them for execute-in-place
const XIP_START = 0x10000000;
const XIP_END = 0x14000000; // the four 16 MiB windows of the flash

/**
 * Connects `chip` to the emulated RP2040's flash interface: the SSI's data
 * register and FIFO levels (rp2040js models only what boot2 needs), the
 * chip select override in IO_QSPI that the bootrom's routines use, and the
 * XIP cache control registers they touch (as plain registers). With chip
 * select not forced low (boot2 and XIP set-up), every byte reads 0, as
 * rp2040js's own SSI answers.
 *
 * The flash cannot be read as memory while it is out of execute-in-place
 * mode: from the moment the bootrom forces its chip select until boot2's copy
 * turns the SSI on again for XIP reads. rp2040js serves such reads anyway; here
 * each one (an instruction fetched from flash, a constant read there, which
 * would hang or fault a board) is an error of `chip`.
 */
export function attachFlash(mcu, chip) {
  const ssi = mcu.peripherals[0x18000];
  const read = ssi.readUint32.bind(ssi);
  const write = ssi.writeUint32.bind(ssi);
  const rx = [];
  ssi.readUint32 = (offset) => {
    switch (offset) {
      case SSI_DR0:
        return rx.length ? rx.shift() : 0;
      case SSI_RXFLR:
        return rx.length;
      case SSI_TXFLR:
        return 0; // every byte goes out at once
      case SSI_SR:
        return SSI_SR_BITS.TFNF | SSI_SR_BITS.TFE | (rx.length ? SSI_SR_BITS.RFNE : 0);
      default:
        return read(offset);
    }
  };
  ssi.writeUint32 = (offset, value) => {
    if (offset === SSI_DR0) {
      rx.push(chip.selected ? chip.byte(value & 0xff) : 0);
      if (rx.length > 16) chip.error('SSI receive FIFO overflow (more than 16 bytes in flight)');
      return;
    }
    if (offset === SSI_SSIENR && !(value & 1)) rx.length = 0; // disabling empties the FIFOs
    write(offset, value);
    if (offset === SSI_SSIENR && value & 1 && ((read(SSI_CTRLR0) >> 8) & 3) === SSI_TMOD_EEPROM_READ) xip(true);
  };

  // the memory reads checked while the flash is out of XIP mode only (no cost otherwise)
  const reads = ['readUint8', 'readUint16', 'readUint32'];
  const plain = Object.fromEntries(reads.map((name) => [name, mcu[name]]));
  const xip = (on) => {
    for (const name of reads) {
      if (on) mcu[name] = plain[name];
      else {
        const original = plain[name].bind(mcu);
        mcu[name] = (address) => {
          const a = address >>> 0;
          if (a >= XIP_START && a < XIP_END) {
            chip.error(`read of 0x${a.toString(16)} (flash) while the flash is out of execute-in-place mode`);
          }
          return original(address);
        };
      }
    }
  };

  const registers = (name, defaults = {}) => {
    const regs = new Map(Object.entries(defaults).map(([k, v]) => [Number(k), v]));
    return {
      name,
      readUint32: (offset) => regs.get(offset) ?? 0,
      writeUint32(offset, value) {
        regs.set(offset, value >>> 0);
        this.onWrite?.(offset, value >>> 0);
      },
      writeUint32Atomic(offset, value, atomicType) {
        const old = this.readUint32(offset);
        const v = [value, old ^ value, old | value, old & ~value][atomicType];
        this.writeUint32(offset, v);
      },
    };
  };
  const ioQspi = registers('IO_QSPI');
  ioQspi.onWrite = (offset, value) => {
    if (offset !== QSPI_SS_CTRL) return;
    const outover = (value >> 8) & 3; // 2: drive low, 3: drive high
    if (outover === 2) chip.select();
    else chip.deselect();
    if (outover >= 2) xip(false); // the bootrom drives the chip select: no XIP reads from here
  };
  mcu.peripherals[0x40018] = ioQspi;
  mcu.peripherals[0x14000] = registers('XIP_CTRL', { 0x00: 0x3, 0x08: 0x2 }); // CTRL: enabled; STAT: flush ready
}
