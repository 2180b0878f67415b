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
 * MADCTL (MY/MX/MV address order; BGR noted) and COLMOD (16 bit/pixel only).
 * Checks the datasheet's waits: 5 ms after a reset before any command, 120 ms
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

  /** The RESX line (active low). */
  setReset(high) {
    if (!high) {
      this.inReset = true;
    } else if (this.inReset) {
      this.inReset = false;
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
   * their complement without.
   */
  glass() {
    const out = new Uint16Array(WIDTH * HEIGHT);
    if (this.sleeping || !this.displayOn) return out;
    for (let i = 0; i < out.length; i++) out[i] = this.inverted ? this.memory[i] : ~this.memory[i] & 0xffff;
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
 * quarter of the previous channel's level). PENIRQ is low while touched.
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
      if (value & 0x08) this.errors.push('XPT2046: 8-bit mode or single-ended reference requested (the firmware expects 12-bit differential)');
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
