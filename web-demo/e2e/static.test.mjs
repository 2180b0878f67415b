// The static build: `web-demo export DIR` writes index.html, nnet.wasm and
// model.nnet; served by a plain static file server (node's http module here,
// not the axum app), the page finds no API, loads the module and the model
// beside it and recognises drawn digits in the browser. Also: what the page
// with the int8 model costs to load from the server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  BIN, repo, startServer, staticServer, launch, DESKTOP, PHONE, DIGITS, place, padRect, drawMouse, drawTouch,
  waitFinal, waitEngine, assertRecognised, watchPage, pageWeight,
} from "./lib.mjs";

let browser, dir;
before(async () => {
  browser = await launch();
  dir = mkdtempSync(path.join(os.tmpdir(), "nnet-static-"));
});
after(async () => {
  if (browser) await browser.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the exported page runs fully in the browser from a plain static file server", async () => {
  const out = execFileSync(BIN, ["export", dir, "--model", path.join(repo, "models/mnist-mlp-i8.nnet")], { encoding: "utf8" });
  assert.match(out, /int8 weights/);
  assert.deepEqual(readdirSync(dir).sort(), ["index.html", "model.nnet", "nnet.wasm"]);
  const { server, url, log } = await staticServer(dir);
  try {
    for (const [options, how] of [[DESKTOP, "mouse"], [PHONE, "touch"]]) {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      const problems = [];
      // the exported page knows it is on a static host: no request for the API, no 404
      watchPage(page, problems, url);
      await page.goto(url + "/");
      assert.deepEqual(await waitEngine(page), { engine: "browser", mode: "static" });
      // the page rounds a percentage as the core does (the board's screen), near every tenth
      // and at the ends: 81 floats around each k + 0.5 tenths, checked against the module's
      // percent_tenths
      const differ = await page.evaluate(() => {
        const { percent, engine } = window.nnetDemo;
        const f = new Float32Array(1), bits = new Uint32Array(f.buffer), out = [];
        let checked = 0;
        const check = (v) => {
          checked++;
          const want = (engine().percentTenths(v) / 10).toFixed(1), got = percent(v);
          if (got !== want) out.push([v, got, want]);
        };
        for (let k = 0; k <= 1000; k++) {
          f[0] = (k + 0.5) / 1000;
          const b = bits[0];
          for (let d = -40; d <= 40; d++) { bits[0] = b + d; check(f[0]); }
        }
        [0, -0, 1, -1, 2, NaN, Infinity, -Infinity, 1e-45, 0.0104999998584].forEach(check);
        return { checked, out: out.slice(0, 5), count: out.length };
      });
      assert.equal(differ.count, 0, `${differ.count} of ${differ.checked} differ from the core: ${JSON.stringify(differ.out)}`);
      const info = await page.locator("#model-info").textContent();
      assert.match(info, /int8 weights/);
      assert.match(info, /… \(model\.nnet, in this page\)\. Static page without a server\./);
      const cdp = how === "touch" ? await context.newCDPSession(page) : null;
      for (const [digit, box] of [[7, [0.1, 0.1, 0.9, 0.9]], [0, [0.55, 0.08, 0.93, 0.55]], [1, [0.3, 0.1, 0.7, 0.9]], [3, [0.05, 0.45, 0.4, 0.95]]]) {
        await page.keyboard.press("Escape");
        const strokes = place(DIGITS[digit], await padRect(page), box);
        if (cdp) await drawTouch(cdp, strokes, 12); else await drawMouse(page, strokes, 12);
        assertRecognised(await waitFinal(page), digit, `static page, ${how} ${digit}`);
      }
      assert.deepEqual(problems, [], "no page errors, console errors or external requests");
      await context.close();
    }
    // without WebAssembly there is nothing here to run the network: the page says so, also where
    // it tells what the network sees
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    // (the page's own copy of the module damaged: the page holds it, it fetches nothing)
    await page.route(url + "/", async (r) => {
      const response = await r.fetch();
      const body = (await response.text()).replace(/(id="nnet-wasm">)[^<]*/, "$1bm90IHdhc20=");
      await r.fulfill({ response, body });
    });
    await page.goto(url + "/");
    await page.waitForFunction(() => document.documentElement.dataset.engine === "none", null, { timeout: 15000 });
    // (the module did not load: said so, not that WebAssembly cannot run in this browser)
    assert.equal(await page.locator("#sees-where").textContent(), "which could not be loaded here (and there is no server)");
    assert.match(await page.locator("#teach-status").textContent(), /^Teaching runs in the browser, and the network could not be loaded into it: nnet\.wasm is damaged or not WebAssembly/);
    await context.close();
    // in a browser without WebAssembly at all, the load ends before anything is fetched: the
    // page still says why the network cannot run, in the answer too, without a script error
    {
      const { context, page, problems } = await (async () => {
        const context = await browser.newContext(DESKTOP);
        await context.addInitScript(() => { delete globalThis.WebAssembly; });
        const page = await context.newPage();
        const problems = [];
        watchPage(page, problems, url);
        await page.goto(url + "/");
        return { context, page, problems };
      })();
      await page.waitForFunction(() => document.documentElement.dataset.engine === "none", null, { timeout: 15000 });
      const why = "The network cannot run: this browser has WebAssembly turned off or lacks it";
      assert.match(await page.locator("#model-info").textContent(), new RegExp("^" + why));
      assert.match(await page.locator("#teach-status").textContent(), /WebAssembly cannot run here: this browser has WebAssembly turned off or lacks it\.$/);
      assert.equal(await page.locator("#sees-where").textContent(), "which cannot run here (no WebAssembly, no server)");
      await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]), 12);
      await page.waitForFunction(() => document.getElementById("result").dataset.state === "error", null, { timeout: 15000 });
      assert.match(await page.locator("#detail").textContent(), /^the network cannot run here: this browser has WebAssembly turned off or lacks it/);
      assert.deepEqual(problems, [], "no page errors without WebAssembly");
      await context.close();
    }
    const asked = [...new Set(log)].sort();
    assert.deepEqual(asked, ["GET /index.html"],
      "the page asked the static host for itself alone (it holds the module and the model), and not for the API");
  } finally {
    server.close();
  }
});

test("the exported page opened as a file (file://) runs the network, keeps drawings and learns", async () => {
  const fileDir = mkdtempSync(path.join(os.tmpdir(), "nnet-file-"));
  try {
    // the default (f32) model: the larger page
    execFileSync(BIN, ["export", fileDir], { encoding: "utf8" });
    const url = "file://" + fileDir;
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    const problems = [];
    watchPage(page, problems, url + "/index.html");
    await page.goto(url + "/index.html");
    assert.deepEqual(await waitEngine(page), { engine: "browser", mode: "static" });
    assert.match(await page.locator("#model-info").textContent(), /f32 weights.*… \(model\.nnet, in this page\)\. Static page without a server\./s);
    for (const [digit, box] of [[7, [0.1, 0.1, 0.9, 0.9]], [0, [0.55, 0.08, 0.93, 0.55]], [3, [0.05, 0.45, 0.4, 0.95]]]) {
      await page.keyboard.press("Escape");
      await drawMouse(page, place(DIGITS[digit], await padRect(page), box), 12);
      assertRecognised(await waitFinal(page), digit, `page opened as a file, ${digit}`);
    }
    // a saved drawing is kept over a reload, and a correction teaches the network in the page
    await page.getByText("3", { exact: true }).and(page.locator(".labels label")).click();
    await page.locator("#save").click();
    await page.getByText(/Saved a 3\. 1 drawing kept/).waitFor();
    const corrections = () => page.evaluate(() => Number(document.documentElement.dataset.corrections));
    assert.equal(await corrections(), 0);
    await page.locator("#teach-5").click();
    await page.getByText(/^Learned that this drawing is a 5/).waitFor();
    assert.equal(await corrections(), 1);
    await page.reload();
    assert.deepEqual(await waitEngine(page), { engine: "browser", mode: "static" });
    assert.match(await page.locator("#save-status").textContent(), /1 drawing kept/);
    assert.equal(await corrections(), 1, "the correction is kept over a reload");
    assert.deepEqual(problems, [], "no page errors, console errors or requests beyond the page's file");
    await context.close();
  } finally {
    rmSync(fileDir, { recursive: true, force: true });
  }
});

test("the page with the int8 model loads in at most 300 KB from the server", async () => {
  const { proc, url } = await startServer(["--model", path.join(repo, "models/mnist-mlp-i8.nnet")]);
  try {
    const w = await pageWeight(browser, url + "/");
    const names = w.files.map(([n]) => n).sort();
    assert.deepEqual(names, ["/", "/api/model", "/api/model/file", "/nnet.wasm"], JSON.stringify(w.files));
    assert.ok(w.files.every(([, b]) => b > 0), "every file came over the network: " + JSON.stringify(w.files));
    assert.ok(w.total <= 300 * 1000, `page weight ${w.total} bytes: ${JSON.stringify(w.files)}`);
  } finally {
    proc.kill("SIGINT");
  }
});
