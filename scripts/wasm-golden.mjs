// Runs nnet-core compiled to wasm32 (nnet-core/examples/golden_wasm.rs) and
// prints the golden forward-pass lines in the format of nnet-core/tests/data/*-golden.txt.
//   node scripts/wasm-golden.mjs path/to/golden_wasm.wasm golden_f32|golden_int8|golden_f32_packed|golden_int8_packed|golden_adapt_f32|golden_adapt_int8
// (the golden_adapt_* functions hand back text: one length word, then UTF-8 bytes)
import { readFileSync } from "node:fs";
import { usage } from "./lib/usage.mjs";

usage(import.meta.url);

const CASES = 8, WORDS = 11;
const [file, fn] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
if (typeof instance.exports[fn] !== "function") {
  console.error(`${file} exports no function ${fn}`);
  process.exit(1);
}
const ptr = instance.exports[fn]();
if (ptr === 0) {
  console.error(`${fn}() failed inside wasm`);
  process.exit(1);
}
if (fn.startsWith("golden_adapt")) {
  const len = new Uint32Array(instance.exports.memory.buffer, ptr, 1)[0];
  const bytes = new Uint8Array(instance.exports.memory.buffer, ptr + 4, len);
  process.stdout.write(new TextDecoder().decode(bytes));
  process.exit(0);
}
const words = new Uint32Array(instance.exports.memory.buffer, ptr, CASES * WORDS);
for (let c = 0; c < CASES; c++) {
  const row = Array.from(words.subarray(c * WORDS, (c + 1) * WORDS));
  console.log([String(row[0]), ...row.slice(1).map((w) => w.toString(16).padStart(8, "0"))].join(" "));
}
