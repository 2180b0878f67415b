// Imported first by the node scripts a person runs by hand, as the shell scripts source
// usage.sh:  usage(import.meta.url)  prints the script's header comment (what it does,
// how to run it) and exits 0 when an argument is -h or --help.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export function usage(scriptUrl) {
  if (!process.argv.slice(2).some((a) => a === "-h" || a === "--help")) return;
  const lines = readFileSync(fileURLToPath(scriptUrl), "utf8").split("\n");
  if (lines[0].startsWith("#!")) lines.shift();
  for (const line of lines) {
    if (!line.startsWith("//")) break;
    console.log(line.replace(/^\/\/ ?/, ""));
  }
  process.exit(0);
}
