#!/usr/bin/env node
// Converts the firmware-pico ELF into a UF2 file to drag onto the Pico's
// RPI-RP2 drive (hold BOOTSEL while plugging it in):
//   node firmware/boards/pico/emulator/elf2uf2.mjs IN.elf OUT.uf2
import { readFileSync, writeFileSync } from 'node:fs';
import { elfFlashSegments, uf2FromSegments } from './image.mjs';
import { usage } from '../../../../scripts/lib/usage.mjs';

usage(import.meta.url);

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: elf2uf2.mjs IN.elf OUT.uf2');
  process.exit(2);
}
let uf2;
try {
  uf2 = uf2FromSegments(elfFlashSegments(readFileSync(input)));
} catch (e) {
  console.error(`elf2uf2: ${input}: ${e.message}`);
  process.exit(1);
}
try {
  writeFileSync(output, uf2);
} catch (e) {
  console.error(`elf2uf2: ${output}: ${e.message}`);
  process.exit(1);
}
console.log(`wrote ${output}: ${uf2.length / 512} blocks of 256 bytes (${(uf2.length / 2048).toFixed(1)} KiB of flash)`);
