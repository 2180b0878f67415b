// Real-browser end-to-end test of the web demo: starts the server binary on
// an ephemeral port, drives headless Chromium (Debian's /usr/bin/chromium)
// with synthesised mouse and touch pointer events, and checks what the page
// shows. Run with `npm test` (node --test) after building the server:
//
//   WEB_DEMO_BIN=target/debug/web-demo npm test
//
// Environment: WEB_DEMO_BIN (server binary, default ../../target/debug/web-demo),
// CHROMIUM (browser, default /usr/bin/chromium), E2E_OUT (screenshot dir, default ../../out).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const BIN = process.env.WEB_DEMO_BIN || path.join(repo, "target/debug/web-demo");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const OUT = process.env.E2E_OUT || path.join(repo, "out");
const FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];

let server, base, browser;

function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ["--addr", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    const timer = setTimeout(() => reject(new Error("server did not start: " + err)), 20000);
    proc.stderr.on("data", (d) => { err += d; });
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (m) { clearTimeout(timer); resolve({ proc, url: m[1] }); }
    });
    proc.on("error", (e) => { clearTimeout(timer); reject(e); });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}): ${err}`)); });
  });
}

before(async () => {
  const s = await startServer();
  server = s.proc;
  base = s.url;
  // --headless comes from `headless: true`; playwright gives every launch a
  // fresh temporary profile (--user-data-dir) and deletes it on close
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  mkdirSync(OUT, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill("SIGINT");
});

// ---- digit shapes: strokes in a unit box (x right, y down) ----
function arc(cx, cy, rx, ry, t0, t1, n = 24) {
  return Array.from({ length: n + 1 }, (_, i) => {
    const t = t0 + ((t1 - t0) * i) / n;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
  });
}
const DIGITS = {
  1: [[[0.52, 0.04], [0.5, 0.5], [0.48, 0.96]]],
  7: [[[0.12, 0.08], [0.5, 0.07], [0.88, 0.08], [0.66, 0.5], [0.45, 0.95]]],
  0: [arc(0.5, 0.5, 0.33, 0.46, -Math.PI / 2, 1.5 * Math.PI + 0.2, 36)],
  3: [[...arc(0.48, 0.27, 0.3, 0.23, -0.8 * Math.PI, 0.5 * Math.PI), ...arc(0.48, 0.73, 0.34, 0.23, -0.5 * Math.PI, 0.8 * Math.PI).slice(1)]],
};

// place a unit-box drawing inside the pad: box = [x0, y0, x1, y1] as fractions of the pad
function place(strokes, rect, box) {
  const [x0, y0, x1, y1] = box;
  return strokes.map((s) => s.map(([u, v]) => [
    rect.x + rect.width * (x0 + (x1 - x0) * u),
    rect.y + rect.height * (y0 + (y1 - y0) * v),
  ]));
}

// add intermediate points so the pointer moves like a hand (many pointermove events)
function densify(stroke, step = 6) {
  const out = [stroke[0]];
  for (let i = 1; i < stroke.length; i++) {
    const [ax, ay] = stroke[i - 1], [bx, by] = stroke[i];
    const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step));
    for (let k = 1; k <= n; k++) out.push([ax + ((bx - ax) * k) / n, ay + ((by - ay) * k) / n]);
  }
  return out;
}

async function padRect(page) {
  return page.locator("#pad").boundingBox();
}

async function drawMouse(page, strokes) {
  for (const s of strokes) {
    const pts = densify(s);
    await page.mouse.move(pts[0][0], pts[0][1]);
    await page.mouse.down();
    for (const [x, y] of pts.slice(1)) await page.mouse.move(x, y);
    await page.mouse.up();
  }
}

async function drawTouch(cdp, strokes) {
  for (const s of strokes) {
    const pts = densify(s);
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x: pts[0][0], y: pts[0][1], id: 1 }] });
    for (const [x, y] of pts.slice(1)) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x, y, id: 1 }] });
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  }
}

// what the page shows, read from the DOM and the 28x28 canvas
async function shown(page) {
  return page.evaluate(() => {
    const r = document.getElementById("result");
    const bars = [...document.querySelectorAll("#bars .bar")].map((b) => ({
      value: b.dataset.value === "" ? null : Number(b.dataset.value),
      width: parseFloat(b.querySelector(".fill").style.width) || 0,
      top: b.classList.contains("top"),
      pct: b.querySelector(".pct").textContent,
    }));
    const v = document.getElementById("input28").getContext("2d").getImageData(0, 0, 28, 28).data;
    let ink = 0, lit = 0;
    for (let i = 0; i < v.length; i += 4) { ink += v[i]; if (v[i] > 0) lit++; }
    return {
      state: r.dataset.state, final: r.dataset.final, digit: document.getElementById("digit").textContent,
      confidence: document.getElementById("confidence").textContent, bars, ink, lit,
      announce: document.getElementById("announce").textContent, scrollY: window.scrollY,
      predictions: Number(r.dataset.predictions),
    };
  });
}

async function waitFinal(page) {
  await page.waitForFunction(() => {
    const r = document.getElementById("result");
    return r.dataset.final === "1" && !r.hasAttribute("aria-busy");
  }, null, { timeout: 15000 });
  return shown(page);
}

function assertRecognised(s, digit, what) {
  assert.equal(s.state, "result", `${what}: a result is shown`);
  assert.equal(s.digit, String(digit), `${what}: the page shows ${digit} (bars: ${s.bars.map((b) => b.pct).join(" ")})`);
  assert.match(s.confidence, /^\d+(\.\d)?% sure$/, `${what}: confidence shown`);
  assert.equal(s.bars.length, 10);
  const sum = s.bars.reduce((a, b) => a + b.value, 0);
  assert.ok(Math.abs(sum - 1) < 1e-3, `${what}: probabilities sum to 1 (${sum})`);
  const top = s.bars.findIndex((b) => b.top);
  assert.equal(top, digit, `${what}: the highlighted bar is the digit`);
  assert.ok(s.bars[top].width > 0, `${what}: the top bar is drawn`);
  assert.ok(s.lit > 20 && s.lit < 500, `${what}: the 28x28 view shows ink (${s.lit} lit pixels)`);
  assert.match(s.announce, new RegExp(`thinks it is a ${digit}`), `${what}: result announced via aria-live`);
}

function assertEmpty(s, what) {
  assert.equal(s.state, "empty", what);
  assert.equal(s.digit, "draw a digit", what);
  assert.ok(s.bars.every((b) => b.value === null && b.width === 0 && b.pct === "–"), `${what}: bars reset`);
  assert.equal(s.lit, 0, `${what}: 28x28 view is blank`);
}

function watchPage(page, problems) {
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") problems.push("console error: " + m.text()); });
  page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) problems.push("external request: " + r.url()); });
}

test("mouse: digits drawn large, small in a corner and off-centre are recognised; Clear and Escape reset", async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems);
  await page.goto(base + "/");
  await page.waitForFunction(() => document.getElementById("model-info").textContent.startsWith("Model:"));
  assertEmpty(await shown(page), "initial page says draw a digit");
  assert.equal(await page.locator("#save").isDisabled(), true, "nothing to save yet");

  const cases = [
    [1, [0.3, 0.1, 0.7, 0.9], "large 1"],
    [7, [0.1, 0.1, 0.9, 0.9], "large 7"],
    [0, [0.15, 0.08, 0.85, 0.92], "large 0"],
    [3, [0.2, 0.1, 0.8, 0.9], "large 3"],
    [7, [0.04, 0.04, 0.24, 0.26], "small 7 in the top-left corner"],
    [1, [0.8, 0.72, 0.95, 0.96], "small 1 in the bottom-right corner"],
    [0, [0.55, 0.08, 0.93, 0.55], "off-centre 0"],
    [3, [0.05, 0.45, 0.4, 0.95], "off-centre 3"],
  ];
  let previousInk = null, clearWithEscape = false;
  for (const [digit, box, what] of cases) {
    const rect = await padRect(page);
    await drawMouse(page, place(DIGITS[digit], rect, box));
    const s = await waitFinal(page);
    assertRecognised(s, digit, what);
    assert.notEqual(s.ink, previousInk, `${what}: the 28x28 view changed`);
    previousInk = s.ink;
    if (what === "large 7") await page.screenshot({ path: path.join(OUT, "web-demo.png"), fullPage: true });
    if (clearWithEscape) await page.keyboard.press("Escape");
    else await page.getByRole("button", { name: "Clear" }).click();
    clearWithEscape = !clearWithEscape;
    assertEmpty(await shown(page), `${what}: cleared`);
  }

  // live prediction while drawing: a result appears before the pen is lifted
  const rect = await padRect(page);
  const pts = densify(place(DIGITS[1], rect, [0.3, 0.1, 0.7, 0.9])[0], 3);
  await page.mouse.move(pts[0][0], pts[0][1]);
  await page.mouse.down();
  for (const [x, y] of pts.slice(1)) await page.mouse.move(x, y);
  await page.waitForFunction(() => document.getElementById("result").dataset.state === "result", null, { timeout: 10000 });
  const live = await shown(page);
  assert.notEqual(live.final, "1", "the shown result is a live one, the pen is still down");
  await page.mouse.up();
  assertRecognised(await waitFinal(page), 1, "after live updates");

  // a dot is not a digit: never a guess
  await page.keyboard.press("Escape");
  const r2 = await padRect(page);
  await page.mouse.click(r2.x + r2.width / 2, r2.y + r2.height / 2);
  await page.waitForFunction(() => document.getElementById("result").dataset.final === "1", null, { timeout: 10000 });
  const dot = await shown(page);
  assert.equal(dot.digit, "draw a digit", "a single dot shows 'draw a digit'");
  assert.equal(dot.state, "empty");
  await page.keyboard.press("Escape");

  // save this drawing: a JSONL line with the chosen label, kept in localStorage and downloadable
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  await waitFinal(page);
  assert.equal(await page.locator("#save").isDisabled(), true, "a label must be picked first");
  await page.getByText("7", { exact: true }).and(page.locator(".labels label")).click();
  await page.locator("#save").click();
  await page.getByText(/Saved a 7\. 1 drawing kept/).waitFor();
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem("nnet-ink-v1")));
  assert.equal(saved.length, 1);
  const rec = JSON.parse(saved[0]);
  assert.equal(rec.label, 7);
  assert.ok(rec.width > 100 && rec.height > 100);
  assert.ok(rec.strokes.length === 1 && rec.strokes[0].length > 10, "strokes saved");
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
  const file = await download.path();
  const lines = readFileSync(file, "utf8").trim().split("\n");
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [rec], "download holds the saved JSONL line");
  // the saved line is valid input for the API and gives the same answer as the page
  const api = await page.evaluate(async (line) => {
    const r = await fetch("/api/predict", { method: "POST", headers: { "Content-Type": "application/json" }, body: line });
    return r.json();
  }, saved[0]);
  assert.equal(api.digit, 7);

  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});

test("touch: a phone-sized page draws with a finger without scrolling, and is recognised", async () => {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2,
  });
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems);
  await page.goto(base + "/");
  const cdp = await context.newCDPSession(page);
  // responsive: the pad fits the phone's width
  const rect = await padRect(page);
  assert.ok(rect.width <= 390 && rect.width > 250, `pad fits the phone (${rect.width}px)`);
  const kinds = await page.evaluate(() => {
    const seen = new Set();
    document.getElementById("pad").addEventListener("pointerdown", (e) => seen.add(e.pointerType));
    window.__kinds = seen;
    return true;
  });
  assert.ok(kinds);

  const cases = [[7, [0.1, 0.1, 0.9, 0.9], "touch 7"], [0, [0.6, 0.05, 0.95, 0.45], "touch small off-centre 0"], [1, [0.3, 0.1, 0.7, 0.9], "touch 1"]];
  for (const [digit, box, what] of cases) {
    const r = await padRect(page);
    await drawTouch(cdp, place(DIGITS[digit], r, box));
    const s = await waitFinal(page);
    assertRecognised(s, digit, what);
    assert.equal(s.scrollY, 0, `${what}: drawing did not scroll the page`);
    if (digit === 7) await page.screenshot({ path: path.join(OUT, "web-demo-phone.png"), fullPage: true });
    await page.getByRole("button", { name: "Clear" }).tap();
    assertEmpty(await shown(page), `${what}: cleared by tapping Clear`);
  }
  const pointerTypes = await page.evaluate(() => [...window.__kinds]);
  assert.deepEqual(pointerTypes, ["touch"], "the strokes arrived as touch pointer events");
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});
