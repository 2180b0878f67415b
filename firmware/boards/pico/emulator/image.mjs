// Flash images for the RP2040: reading an ELF's loadable segments, writing and
// reading UF2 (the Pico's drag-and-drop format), and a small PNG writer.
import { deflateSync } from 'node:zlib';

export const FLASH_BASE = 0x10000000;
export const FLASH_SIZE = 2 * 1024 * 1024;
const UF2_MAGIC0 = 0x0a324655;
const UF2_MAGIC1 = 0x9e5d5157;
const UF2_MAGIC_END = 0x0ab16f30;
const UF2_FLAG_FAMILY = 0x00002000;
/** The RP2040's UF2 family id. */
export const RP2040_FAMILY = 0xe48bff56;

function inFlash(addr, len) {
  return addr >= FLASH_BASE && addr + len <= FLASH_BASE + FLASH_SIZE;
}

/**
 * The bytes an ELF puts in flash: [{ addr, data }] from its PT_LOAD program
 * headers (physical = load addresses, so .data's initial values are included).
 * Throws with a clear message on anything that is not a 32-bit little-endian
 * ARM executable for the RP2040's flash.
 */
export function elfFlashSegments(buf) {
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (buf[4] !== 1 || buf[5] !== 1) throw new Error('not a 32-bit little-endian ELF');
  if (buf.readUInt16LE(18) !== 40) throw new Error('not an ARM ELF (e_machine != 40)');
  // EF_ARM_ABI_FLOAT_HARD: code for a core with an FPU, which the RP2040's Cortex-M0+ has not
  if (buf.readUInt32LE(36) & 0x400) {
    throw new Error('built for a core with an FPU (hard-float ABI, such as thumbv7em-none-eabihf); '
      + 'the RP2040 is a Cortex-M0+: build with --target thumbv6m-none-eabi');
  }
  const phoff = buf.readUInt32LE(28);
  const phentsize = buf.readUInt16LE(42);
  const phnum = buf.readUInt16LE(44);
  const segments = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (o + 32 > buf.length) throw new Error('truncated ELF program headers');
    const type = buf.readUInt32LE(o);
    const offset = buf.readUInt32LE(o + 4);
    const paddr = buf.readUInt32LE(o + 12);
    const filesz = buf.readUInt32LE(o + 16);
    if (type !== 1 || filesz === 0) continue; // PT_LOAD with file bytes only
    if (offset + filesz > buf.length) throw new Error('truncated ELF segment');
    if (!inFlash(paddr, filesz)) {
      throw new Error(`ELF segment at 0x${paddr.toString(16)} (${filesz} bytes) is not in the RP2040's flash`);
    }
    segments.push({ addr: paddr, data: buf.subarray(offset, offset + filesz) });
  }
  if (segments.length === 0) throw new Error('the ELF has nothing to put in flash');
  return segments;
}

/** UF2 file for `segments` (256-byte pages, zero-padded, RP2040 family). */
export function uf2FromSegments(segments) {
  const pages = new Map();
  for (const { addr, data } of segments) {
    for (let i = 0; i < data.length; i++) {
      const a = addr + i;
      const base = a - (a % 256);
      let page = pages.get(base);
      if (!page) {
        page = Buffer.alloc(256);
        pages.set(base, page);
      }
      page[a - base] = data[i];
    }
  }
  const addrs = [...pages.keys()].sort((a, b) => a - b);
  const out = Buffer.alloc(512 * addrs.length);
  addrs.forEach((a, n) => {
    const b = out.subarray(512 * n, 512 * (n + 1));
    b.writeUInt32LE(UF2_MAGIC0, 0);
    b.writeUInt32LE(UF2_MAGIC1, 4);
    b.writeUInt32LE(UF2_FLAG_FAMILY, 8);
    b.writeUInt32LE(a, 12);
    b.writeUInt32LE(256, 16);
    b.writeUInt32LE(n, 20);
    b.writeUInt32LE(addrs.length, 24);
    b.writeUInt32LE(RP2040_FAMILY, 28);
    pages.get(a).copy(b, 32);
    b.writeUInt32LE(UF2_MAGIC_END, 508);
  });
  return out;
}

/** The [{ addr, data }] blocks of a UF2 file for the RP2040, checked. */
export function uf2Segments(buf) {
  if (buf.length === 0 || buf.length % 512 !== 0) throw new Error('not a UF2 file (size is not a multiple of 512)');
  const segments = [];
  for (let o = 0; o < buf.length; o += 512) {
    const b = buf.subarray(o, o + 512);
    if (b.readUInt32LE(0) !== UF2_MAGIC0 || b.readUInt32LE(4) !== UF2_MAGIC1 || b.readUInt32LE(508) !== UF2_MAGIC_END) {
      throw new Error(`UF2 block ${o / 512}: bad magic`);
    }
    const flags = b.readUInt32LE(8);
    if (flags & 1) continue; // "not main flash"
    if ((flags & UF2_FLAG_FAMILY) && b.readUInt32LE(28) !== RP2040_FAMILY) {
      throw new Error(`UF2 block ${o / 512}: family 0x${b.readUInt32LE(28).toString(16)} is not the RP2040's`);
    }
    const addr = b.readUInt32LE(12);
    const size = b.readUInt32LE(16);
    if (size > 476 || !inFlash(addr, size)) throw new Error(`UF2 block ${o / 512}: ${size} bytes at 0x${addr.toString(16)} are not in flash`);
    segments.push({ addr, data: b.subarray(32, 32 + size) });
  }
  return segments;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A PNG (8-bit RGB) of a width x height RGB565 image (Uint16Array, row-major). */
export function pngFromRgb565(pixels, width, height) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x];
      const r = (v >> 11) & 0x1f;
      const g = (v >> 5) & 0x3f;
      const b = v & 0x1f;
      const o = row + 1 + x * 3;
      raw[o] = (r << 3) | (r >> 2);
      raw[o + 1] = (g << 2) | (g >> 4);
      raw[o + 2] = (b << 3) | (b >> 2);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
