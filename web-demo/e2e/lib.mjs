// Shared pieces of the real-browser tests: starting the server binary (or a
// plain static file server), launching Debian's Chromium through
// playwright-core, drawing digits with synthesised mouse and touch pointer
// events, and reading what the page shows.
//
// Environment: WEB_DEMO_BIN (server binary, default ../../target/debug/web-demo),
// CHROMIUM (browser, default /usr/bin/chromium), E2E_OUT (screenshot dir, default ../../out).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "../..");
export const BIN = process.env.WEB_DEMO_BIN || path.join(repo, "target/debug/web-demo");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const OUT = process.env.E2E_OUT || path.join(repo, "out");
const FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];

// the server binary on an ephemeral port; resolves to { proc, url }
export function startServer(args = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ["--addr", "127.0.0.1:0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
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

const TYPES = { ".html": "text/html; charset=utf-8", ".wasm": "application/wasm", ".nnet": "application/octet-stream" };

// a plain static file server over `dir` (GET only, 404 for anything else); resolves to { server, url, log }
export function staticServer(dir) {
  const log = [];
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/^\/+/, "") || "index.html";
    const file = path.join(dir, rel);
    log.push(req.method + " /" + rel);
    if (req.method !== "GET" || !file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404, { "Content-Type": "text/html" });
      res.end("<h1>404</h1>");
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () =>
    resolve({ server, url: `http://127.0.0.1:${server.address().port}`, log })));
}

export async function launch() {
  mkdirSync(OUT, { recursive: true });
  // --headless comes from `headless: true`; playwright gives every launch a
  // fresh temporary profile (--user-data-dir) and deletes it on close
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export const DESKTOP = { viewport: { width: 1100, height: 900 } };
export const PHONE = { viewport: { width: 360, height: 780 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 };

// ---- digit shapes: strokes in a unit box (x right, y down) ----
export function arc(cx, cy, rx, ry, t0, t1, n = 24) {
  return Array.from({ length: n + 1 }, (_, i) => {
    const t = t0 + ((t1 - t0) * i) / n;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
  });
}
const PI = Math.PI;
export const DIGITS = {
  0: [arc(0.5, 0.5, 0.33, 0.46, -PI / 2, 1.5 * PI + 0.2, 36)],
  1: [[[0.52, 0.04], [0.5, 0.5], [0.48, 0.96]]],
  2: [[...arc(0.5, 0.3, 0.32, 0.25, -PI, 0.2 * PI, 20), [0.14, 0.94], [0.9, 0.93]]],
  3: [[...arc(0.48, 0.27, 0.3, 0.23, -0.8 * PI, 0.5 * PI), ...arc(0.48, 0.73, 0.34, 0.23, -0.5 * PI, 0.8 * PI).slice(1)]],
  4: [[[0.62, 0.04], [0.12, 0.66], [0.92, 0.66]], [[0.66, 0.3], [0.66, 0.97]]],
  5: [[[0.84, 0.05], [0.26, 0.05], [0.2, 0.45], ...arc(0.48, 0.68, 0.34, 0.27, -0.8 * PI, 0.8 * PI, 24)]],
  6: [[[0.72, 0.04], [0.45, 0.2], [0.28, 0.45], ...arc(0.5, 0.72, 0.24, 0.24, PI, 3 * PI, 30)]],
  7: [[[0.12, 0.08], [0.5, 0.07], [0.88, 0.08], [0.66, 0.5], [0.45, 0.95]]],
  8: [[...arc(0.5, 0.26, 0.24, 0.22, 0.5 * PI, 2.5 * PI, 24), ...arc(0.5, 0.72, 0.3, 0.24, -0.5 * PI, 1.5 * PI, 28)]],
  9: [[...arc(0.5, 0.3, 0.28, 0.25, 0.1 * PI, 2.1 * PI, 28), [0.74, 0.6], [0.7, 0.96]]],
};

// place a unit-box drawing inside the pad: box = [x0, y0, x1, y1] as fractions of the pad
export function place(strokes, rect, box) {
  const [x0, y0, x1, y1] = box;
  return strokes.map((s) => s.map(([u, v]) => [
    rect.x + rect.width * (x0 + (x1 - x0) * u),
    rect.y + rect.height * (y0 + (y1 - y0) * v),
  ]));
}

// add intermediate points so the pointer moves like a hand (many pointermove events)
export function densify(stroke, step = 6) {
  const out = [stroke[0]];
  for (let i = 1; i < stroke.length; i++) {
    const [ax, ay] = stroke[i - 1], [bx, by] = stroke[i];
    const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step));
    for (let k = 1; k <= n; k++) out.push([ax + ((bx - ax) * k) / n, ay + ((by - ay) * k) / n]);
  }
  return out;
}

export async function padRect(page) {
  return page.locator("#pad").boundingBox();
}

// The strokes go in as real input events through Chromium's input pipeline (CDP), in order,
// each stroke's moves sent without waiting for each to be handled before the next: the page
// sees the events a hand makes, and a 2,000-point drawing takes a second, not a minute.
// `paced`: each move waits for the one before it to be handled, so the drawing takes time, as
// a hand's does (for what the page does while the pen moves: live answers, requests).
const cdpSessions = new WeakMap();
export async function cdpOf(page) {
  if (!cdpSessions.has(page)) cdpSessions.set(page, await page.context().newCDPSession(page));
  return cdpSessions.get(page);
}

// `paced`: one move after the other, at least 5 ms apart (a drawing of N moves lasts at least
// N * 5 ms, however fast the machine)
export async function drawMouse(page, strokes, step, { paced = false } = {}) {
  const cdp = await cdpOf(page);
  const send = (type, [x, y], down) => cdp.send("Input.dispatchMouseEvent",
    { type, x, y, button: down || type !== "mouseMoved" ? "left" : "none", buttons: down ? 1 : 0, clickCount: 1 });
  for (const s of strokes) {
    const pts = densify(s, step);
    await send("mouseMoved", pts[0], false);
    await send("mousePressed", pts[0], true);
    if (paced) {
      for (const p of pts.slice(1)) {
        await Promise.all([send("mouseMoved", p, true), new Promise((done) => setTimeout(done, 5))]);
      }
    }
    else await Promise.all(pts.slice(1).map((p) => send("mouseMoved", p, true)));
    await send("mouseReleased", pts[pts.length - 1], false);
  }
}

export async function drawTouch(cdp, strokes, step) {
  const send = (type, touchPoints) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints });
  for (const s of strokes) {
    const pts = densify(s, step);
    await send("touchStart", [{ x: pts[0][0], y: pts[0][1], id: 1 }]);
    await Promise.all(pts.slice(1).map(([x, y]) => send("touchMove", [{ x, y, id: 1 }])));
    await send("touchEnd", []);
  }
}

// what the page shows, read from the DOM and the 28x28 canvas
export async function shown(page) {
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
      state: r.dataset.state, final: r.dataset.final, where: r.dataset.where,
      digit: document.getElementById("digit").textContent, detail: document.getElementById("detail").textContent,
      confidence: document.getElementById("confidence").textContent, bars, ink, lit,
      announce: document.getElementById("announce").textContent, scrollY: window.scrollY,
      predictions: Number(r.dataset.predictions),
    };
  });
}

export async function waitFinal(page) {
  await page.waitForFunction(() => {
    const r = document.getElementById("result");
    return r.dataset.final === "1" && !r.hasAttribute("aria-busy");
  }, null, { timeout: 15000 });
  return shown(page);
}

// the page has loaded its network (WebAssembly in the browser, or the server as fallback)
export async function waitEngine(page) {
  await page.waitForFunction(() => document.documentElement.dataset.engine !== undefined, null, { timeout: 15000 });
  return page.evaluate(() => ({ engine: document.documentElement.dataset.engine, mode: document.documentElement.dataset.mode }));
}

// a probability as the page must show it: a tenth of a percent, "99.9" at most, rounded in
// the core's f32 steps (nnet_core::model::percent_tenths)
export function percentShown(v) {
  const tenths = Math.min(Math.trunc(Math.fround(Math.fround(Math.fround(v) * 1000) + 0.5)), 999);
  return Math.floor(tenths / 10) + "." + (tenths % 10);
}

export function assertRecognised(s, digit, what) {
  assert.equal(s.state, "result", `${what}: a result is shown`);
  assert.equal(s.digit, String(digit), `${what}: the page shows ${digit} (bars: ${s.bars.map((b) => b.pct).join(" ")})`);
  assert.equal(s.bars.length, 10);
  // every percentage is rounded to a tenth, and none says 100.0: a probability is not certainty
  s.bars.forEach((b, d) => assert.equal(b.pct, percentShown(b.value) + "%", `${what}: bar ${d} (${b.value})`));
  assert.equal(s.confidence, percentShown(s.bars[digit].value) + "% sure", `${what}: confidence shown`);
  const sum = s.bars.reduce((a, b) => a + b.value, 0);
  assert.ok(Math.abs(sum - 1) < 1e-3, `${what}: probabilities sum to 1 (${sum})`);
  const top = s.bars.findIndex((b) => b.top);
  assert.equal(top, digit, `${what}: the highlighted bar is the digit`);
  assert.ok(s.bars[top].width > 0, `${what}: the top bar is drawn`);
  assert.ok(s.lit > 20 && s.lit < 500, `${what}: the 28x28 view shows ink (${s.lit} lit pixels)`);
  assert.match(s.announce, new RegExp(`thinks it is an? ${digit}`), `${what}: result announced via aria-live`);
  assert.equal(s.where, "browser", `${what}: computed in the browser`);
  assert.match(s.detail, /^Computed in your browser \(WebAssembly\)/, `${what}: the answer says where it was computed`);
}

export function assertEmpty(s, what) {
  assert.equal(s.state, "empty", what);
  assert.equal(s.digit, "draw a digit", what);
  assert.ok(s.bars.every((b) => b.value === null && b.width === 0 && b.pct === "–"), `${what}: bars reset`);
  assert.equal(s.lit, 0, `${what}: 28x28 view is blank`);
}

// collects page errors, console errors and requests to anywhere but `base`
export function watchPage(page, problems, base, allow = () => false) {
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => { if (m.type() === "error" && !allow(m)) problems.push("console error: " + m.text()); });
  page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) problems.push("external request: " + r.url()); });
}

// a deterministic pseudo-random sequence (mulberry32)
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// the f32 bit pattern of a number (exact for values that are f32 already)
export function f32bits(v) {
  const f = new Float32Array([v]);
  return new Uint32Array(f.buffer)[0];
}

// bytes over the wire to load `url` in a fresh context (no cache) until the
// page's network is ready: { total, files: [[name, bytes], ...] }
export async function pageWeight(browser, url) {
  const context = await browser.newContext(DESKTOP);
  const page = await context.newPage();
  await page.goto(url);
  await waitEngine(page);
  const files = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return [[new URL(nav.name).pathname, nav.transferSize],
      ...performance.getEntriesByType("resource").map((r) => [new URL(r.name).pathname, r.transferSize])];
  });
  await context.close();
  return { total: files.reduce((n, [, b]) => n + b, 0), files };
}

// a fresh context and page at `base`/ with problems collected and the network loaded
// `init`: a script run in the page before its own (to take a browser feature away, say)
export async function openPage(browser, options, base, init) {
  const context = await browser.newContext(options);
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems, base);
  await page.goto(base + "/");
  const engine = await waitEngine(page);
  return { context, page, problems, engine };
}

// Presses Tab until the focus has gone round every control once: each control, in Tab order from
// the top of the page, with its card, where it is shown and whether it shows a focus ring (a radio
// button shows both on its label). (Tab starts after the control last focused, wherever that was:
// the round is turned to begin at the control first in the document.)
export async function tabThrough(page) {
  const reached = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const f = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const shown = e.type === "radio" ? e.labels[0] : e;
      const cs = getComputedStyle(shown), r = shown.getBoundingClientRect();
      return {
        id: e.id, card: e.closest(".card").id, top: r.top + scrollY, left: r.left,
        outline: cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2, visible: e.matches(":focus-visible"),
        at: [...document.querySelectorAll("*")].indexOf(e),
      };
    });
    if (!f) continue;
    if (reached.some((x) => x.id === f.id)) break;
    reached.push(f);
  }
  const first = reached.reduce((k, f, i) => (f.at < reached[k].at ? i : k), 0);
  return [...reached.slice(first), ...reached.slice(0, first)];
}
