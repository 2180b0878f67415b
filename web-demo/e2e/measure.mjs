// Prints what the page costs to load from the server, per file and in total
// (bytes over the wire, headers included, fresh browser cache), as Markdown
// table rows. Used by scripts/measure.d/60-web-page.sh:
//   node measure.mjs [server args...]
import { startServer, launch, pageWeight } from "./lib.mjs";

const { proc, url } = await startServer(process.argv.slice(2));
const browser = await launch();
try {
  const w = await pageWeight(browser, url + "/");
  for (const [name, bytes] of w.files) console.log(`| \`${name}\` | ${bytes.toLocaleString("en")} |`);
  console.log(`| **total** | **${w.total.toLocaleString("en")}** |`);
} finally {
  await browser.close();
  proc.kill("SIGINT");
}
