// Runs nnet-core compiled to wasm32 (examples/golden_wasm.rs) and prints the
// golden forward-pass lines in the format of nnet-core/tests/data/forward-golden.txt.
//   node scripts/wasm-golden.mjs path/to/golden_wasm.wasm
import { readFileSync } from "node:fs";

const CASES = 8, WORDS = 11;
const { instance } = await WebAssembly.instantiate(readFileSync(process.argv[2]), {});
const ptr = instance.exports.golden();
if (ptr === 0) {
  console.error("golden() failed inside wasm");
  process.exit(1);
}
const words = new Uint32Array(instance.exports.memory.buffer, ptr, CASES * WORDS);
for (let c = 0; c < CASES; c++) {
  const row = Array.from(words.subarray(c * WORDS, (c + 1) * WORDS));
  console.log([String(row[0]), ...row.slice(1).map((w) => w.toString(16).padStart(8, "0"))].join(" "));
}
