#!/usr/bin/env node
// Checks the links of every Markdown file in the repository: a relative link must
// name a file or directory inside the repository, and a `#fragment` into a Markdown
// file must name one of its headings (GitHub's anchors). Web links are not fetched.
//   node scripts/check-links.mjs      (from anywhere; exit code 1 lists the broken links)
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { usage } from "./lib/usage.mjs";

usage(import.meta.url);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// skipped anywhere: build output and packages; at the top only: MNIST (data/) and
// scratch output (out/), while tests/data and host-trainer/data hold READMEs to check
const SKIP = new Set(["target", "node_modules", ".git"]);
const SKIP_TOP = new Set(["out", "data"]);

function markdownFiles(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith(".")) continue;
    if (dir === root && SKIP_TOP.has(name)) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) found.push(...markdownFiles(p));
    else if (name.endsWith(".md")) found.push(p);
  }
  return found;
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats numbered
function anchors(file) {
  const seen = new Map();
  const out = new Set();
  let fenced = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    let slug = m[1]
      .replace(/<[^>]*>/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

const cache = new Map();
const anchorsOf = (f) => (cache.has(f) ? cache.get(f) : cache.set(f, anchors(f)).get(f));
const problems = [];
let checked = 0;
for (const file of markdownFiles(root)) {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const link = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:, ...
    checked++;
    const [target, fragment] = link.split("#");
    const where = `${path.relative(root, file)}: (${link})`;
    const resolved = target ? path.resolve(path.dirname(file), decodeURI(target)) : file;
    if (resolved !== root && !resolved.startsWith(root + path.sep)) {
      problems.push(`${where} points outside the repository`);
    } else if (!existsSync(resolved)) {
      problems.push(`${where}: no such file`);
    } else if (fragment && resolved.endsWith(".md") && !anchorsOf(resolved).has(decodeURI(fragment))) {
      problems.push(`${where}: no heading with this anchor in ${path.relative(root, resolved)}`);
    }
  }
}
if (problems.length) {
  console.error(`broken links (${problems.length} of ${checked}):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`links: ${checked} relative links in the Markdown files, all resolve`);
