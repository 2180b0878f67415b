// The browser and the server give the same bits: for the f32 and the int8
// model (one server run each), headless Chromium draws 50 digits (half with
// the mouse on the desktop layout, half with a finger on the phone layout, of
// varied size and position); the page answers with nnet-core compiled to
// WebAssembly, and for the same ink the server's POST /api/predict must give
// the same digit, the same f32 bits of all ten probabilities and of the 784
// input pixels. A few canvas rasters check the raster path the same way.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {
  repo, startServer, launch, DESKTOP, PHONE, DIGITS, place, padRect, drawMouse, drawTouch, waitFinal,
  waitEngine, watchPage, rng, f32bits,
} from "./lib.mjs";

const DRAWINGS = 50;
let browser;

before(async () => { browser = await launch(); });
after(async () => { if (browser) await browser.close(); });

// the server's answer for the page's last ink, and the browser engine's
// answer recomputed for the same ink (to compare the 28x28 input too)
async function bothAnswers(page) {
  return page.evaluate(async () => {
    const ink = window.nnetDemo.lastInk();
    const resp = await fetch("/api/predict", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ink),
    });
    const local = window.nnetDemo.engine().predictInk(ink);
    return { server: await resp.json(), local, points: ink.strokes.reduce((n, s) => n + s.length, 0) };
  });
}

function sameBits(a, b, what) {
  assert.equal(a.length, b.length, what);
  const diff = a.map((v, i) => [i, f32bits(v), f32bits(b[i])]).filter(([, x, y]) => x !== y);
  assert.deepEqual(diff, [], `${what}: f32 bits differ at [index, browser, server]`);
}

async function drawAndCompare(page, draw, digit, box, what) {
  await page.keyboard.press("Escape");
  await draw(place(DIGITS[digit], await padRect(page), box));
  await waitFinal(page);
  const shown = await page.evaluate(() => ({
    where: document.getElementById("result").dataset.where,
    digit: document.getElementById("result").dataset.digit,
    values: [...document.querySelectorAll("#bars .bar")].map((b) => Number(b.dataset.value)),
  }));
  const { server, local, points } = await bothAnswers(page);
  assert.equal(shown.where, "browser", `${what}: computed in the browser`);
  assert.ok(server.digit !== null, `${what}: the server sees a digit (${points} points)`);
  assert.equal(shown.digit, String(server.digit), `${what}: same digit`);
  sameBits(shown.values, server.probabilities, `${what}: probabilities shown`);
  sameBits(local.probabilities, server.probabilities, `${what}: probabilities recomputed`);
  sameBits(local.input28, server.input28, `${what}: 28x28 input`);
  return server.digit;
}

for (const [label, args] of [["f32", []], ["int8", ["--model", path.join(repo, "models/mnist-mlp-i8.nnet")]]]) {
  test(`${label} model: ${DRAWINGS} drawings (mouse and touch) give the server's bits in the browser`, async () => {
    const { proc, url } = await startServer(args);
    try {
      const desk = await (await browser.newContext(DESKTOP)).newPage();
      const phoneContext = await browser.newContext(PHONE);
      const phone = await phoneContext.newPage();
      const cdp = await phoneContext.newCDPSession(phone);
      const problems = [];
      for (const p of [desk, phone]) {
        watchPage(p, problems, url);
        await p.goto(url + "/");
        assert.deepEqual(await waitEngine(p), { engine: "browser", mode: "server" });
      }
      const model = await desk.evaluate(() => window.nnetDemo.model());
      assert.equal(model.weightType, label, "the page loaded the server's model");
      const api = await desk.evaluate(() => fetch("/api/model").then((r) => r.json()));
      assert.equal(model.sha256, api.sha256, "the browser's model is the server's file (SHA-256)");

      const random = rng(label === "f32" ? 11 : 12);
      const digits = Object.keys(DIGITS).map(Number);
      let agree = 0;
      for (let i = 0; i < DRAWINGS; i++) {
        const digit = digits[i % digits.length];
        // side 20-90 % of the pad, anywhere inside it, a little squeezed or stretched
        const side = 0.2 + 0.7 * random();
        const w = side * (0.75 + 0.25 * random()), h = side;
        const x0 = (1 - w) * random(), y0 = (1 - h) * random();
        const box = [x0, y0, x0 + w, y0 + h];
        const touch = i % 2 === 1;
        const what = `${label} #${i} ${touch ? "touch" : "mouse"} ${digit} in [${box.map((v) => v.toFixed(2))}]`;
        const got = touch
          ? await drawAndCompare(phone, (s) => drawTouch(cdp, s, 16), digit, box, what)
          : await drawAndCompare(desk, (s) => drawMouse(desk, s, 16), digit, box, what);
        if (got === digit) agree++;
      }
      // not the point of this test, but a sanity check that real digits were drawn
      assert.ok(agree >= DRAWINGS * 0.7, `${agree}/${DRAWINGS} drawings recognised as the drawn digit`);

      // raster path: the pad's own pixels as a raster, browser vs server
      for (const box of [[0.1, 0.1, 0.9, 0.9], [0.05, 0.5, 0.4, 0.95]]) {
        await desk.keyboard.press("Escape");
        await drawMouse(desk, place(DIGITS[3], await padRect(desk), box));
        await waitFinal(desk);
        const r = await desk.evaluate(async () => {
          const src = document.getElementById("pad");
          const c = document.createElement("canvas");
          c.width = 140; c.height = 140;
          const g = c.getContext("2d");
          g.drawImage(src, 0, 0, 140, 140);
          const d = g.getImageData(0, 0, 140, 140).data;
          const pixels = [];
          for (let i = 0; i < d.length; i += 4) pixels.push(Math.round((d[i + 3] / 255) * 1000) / 1000);
          const local = window.nnetDemo.engine().predictRaster(pixels, 140, 140);
          const server = await fetch("/api/predict", {
            method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ width: 140, height: 140, pixels }),
          }).then((x) => x.json());
          return { local, server };
        });
        assert.equal(r.local.digit, r.server.digit, "raster: same digit");
        sameBits(r.local.probabilities, r.server.probabilities, "raster: probabilities");
        sameBits(r.local.input28, r.server.input28, "raster: 28x28 input");
      }
      assert.deepEqual(problems, [], "no page errors, console errors or external requests");
      await phoneContext.close();
    } finally {
      proc.kill("SIGINT");
    }
  });
}
