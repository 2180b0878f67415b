// Real-browser end-to-end test of the web demo: starts the server binary on
// an ephemeral port, drives headless Chromium (Debian's /usr/bin/chromium)
// with synthesised mouse and touch pointer events, and checks what the page
// shows. Run with `npm test` (node --test) after building the server:
//
//   WEB_DEMO_BIN=target/debug/web-demo npm test
//
// Environment: see lib.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  startServer, launch, OUT, DESKTOP, PHONE, DIGITS, place, densify, padRect, drawMouse, drawTouch, shown,
  waitFinal, waitEngine, assertRecognised, assertEmpty, openPage, tabThrough, watchPage, cdpOf,
} from "./lib.mjs";

let server, base, browser;

before(async () => {
  const s = await startServer();
  server = s.proc;
  base = s.url;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill("SIGINT");
});

test("mouse: digits drawn large, small in a corner and off-centre are recognised; Clear and Escape reset", async () => {
  const { context, page, problems, engine } = await openPage(browser, DESKTOP, base);
  assert.match(await page.locator("#model-info").textContent(), /^Model:/);
  assert.deepEqual(engine, { engine: "browser", mode: "server" }, "WebAssembly runs the network");
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
    if (what === "large 7") await page.screenshot({ path: path.join(OUT, "web-demo.png"), fullPage: true, animations: "disabled" });
    if (clearWithEscape) await page.keyboard.press("Escape");
    else await page.getByRole("button", { name: "Clear" }).click();
    clearWithEscape = !clearWithEscape;
    assertEmpty(await shown(page), `${what}: cleared`);
  }

  // Escape in the save row's digit choice keeps the drawing about to be saved
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  assertRecognised(await waitFinal(page), 7, "a 7 to save");
  await page.locator("label[for=label-7]").click();
  assert.equal(await page.evaluate(() => document.activeElement.id), "label-7");
  await page.keyboard.press("Escape");
  assertRecognised(await shown(page), 7, "Escape on the digit choice");
  assert.equal(await page.locator("#save").isDisabled(), false, "still to be saved");
  await page.locator("#pad").focus();
  await page.keyboard.press("Escape");
  assertEmpty(await shown(page), "Escape on the drawing clears it");

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

  // nor is a dash, at any length: no confident 4 or 2
  for (const [x0, x1] of [[0.45, 0.55], [0.15, 0.85]]) {
    const r3 = await padRect(page);
    const y = r3.y + r3.height / 2;
    await drawMouse(page, [[[r3.x + x0 * r3.width, y], [r3.x + x1 * r3.width, y + 3]]]);
    await page.waitForFunction(() => document.getElementById("result").dataset.final === "1", null, { timeout: 10000 });
    const dash = await shown(page);
    assert.equal(dash.state, "empty", `a dash across ${Math.round((x1 - x0) * 100)}% of the pad is no digit`);
    assert.equal(await page.locator("#detail").textContent(), "No digit here: too little ink, or a dash.");
    await page.keyboard.press("Escape");
  }

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

test("saved drawings the page cannot read are set aside, never written over; only the page's lines are downloaded; a Save in storage that other data fills says what still works", async () => {
  const { context, page, problems } = await openPage(browser, DESKTOP, base);
  const save = async (digit) => {
    await page.keyboard.press("Escape");
    await drawMouse(page, place(DIGITS[digit], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
    await waitFinal(page);
    await page.getByText(String(digit), { exact: true }).and(page.locator(".labels label")).click();
    await page.locator("#save").click();
    return page.locator("#save-status").textContent();
  };
  // not a list at all: set aside whole before the first save
  await page.evaluate(() => localStorage.setItem("nnet-ink-v1", "garbage["));
  const said = await save(7);
  assert.equal(said, "Saved a 7. 1 drawing kept in this browser. Part of what was saved before could not be read: " +
    "it is set aside as nnet-ink-v1-unreadable in this site's storage.");
  assert.equal(await page.evaluate(() => localStorage.getItem("nnet-ink-v1-unreadable")), "garbage[");
  const mine = await page.evaluate(() => JSON.parse(localStorage.getItem("nnet-ink-v1")));
  assert.equal(mine.length, 1);
  // a list with things in it that are no lines: the lines are kept, the rest set aside, and
  // Download gives the lines alone
  const odd = JSON.stringify([mine[0], 5, { x: 1 }, null]);
  await page.evaluate((v) => localStorage.setItem("nnet-ink-v1", v), odd);
  assert.match(await save(1), /^Saved a 1\. 2 drawings kept in this browser\. Part of what was saved before could not be read: it is set aside as nnet-ink-v1-unreadable-2 /);
  // beside the first, not over it
  assert.deepEqual(await page.evaluate(() => [localStorage.getItem("nnet-ink-v1-unreadable"), localStorage.getItem("nnet-ink-v1-unreadable-2")]),
    ["garbage[", odd]);
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
  const lines = readFileSync(await download.path(), "utf8").trim().split("\n");
  assert.deepEqual(lines.map((l) => JSON.parse(l).label), [7, 1], "the page's lines alone");
  // no room to set an unreadable list aside: nothing saved, nothing lost
  await page.evaluate(() => {
    localStorage.setItem("nnet-ink-v1", "junk");
    Storage.prototype.setItem = () => { throw new DOMException("full", "QuotaExceededError"); };
  });
  assert.equal(await save(2), "Could not save: part of what is saved in this browser cannot be read (nnet-ink-v1 in this " +
    "site's storage), and it cannot be set aside.");
  assert.equal(await page.evaluate(() => localStorage.getItem("nnet-ink-v1")), "junk");
  // storage full with nothing of the page's saved: no advice to download or forget what is not there
  await page.evaluate(() => localStorage.removeItem("nnet-ink-v1"));
  await page.reload();
  await page.evaluate(() => {
    Storage.prototype.setItem = () => { throw new DOMException("full", "QuotaExceededError"); };
  });
  assert.equal(await save(3),
    "Could not save: this browser's storage for the page is full. Other data of this site fills it: use Copy line instead.");
  assert.equal(await page.locator("#download").isDisabled(), true);
  // Forget forgets the drawings, and sets aside what is no drawing
  const withOdd = JSON.stringify([mine[0], 7]);
  await page.reload();
  await page.evaluate((v) => localStorage.setItem("nnet-ink-v1", v), withOdd);
  await page.reload();
  await waitEngine(page);
  await page.waitForFunction(() => !document.getElementById("forget").disabled);
  page.once("dialog", (d) => d.accept());
  await page.locator("#forget").click();
  await page.getByText("Saved drawings forgotten.").waitFor();
  assert.deepEqual(await page.evaluate(() => [localStorage.getItem("nnet-ink-v1"), localStorage.getItem("nnet-ink-v1-unreadable-3")]),
    ["[]", withOdd]);
  // and when it cannot set it aside, it forgets nothing
  await page.evaluate((v) => localStorage.setItem("nnet-ink-v1", v), JSON.stringify([mine[0], 8]));
  await page.reload();
  await waitEngine(page);
  await page.waitForFunction(() => !document.getElementById("forget").disabled);
  // (storage nearly full: room for a short list, none for the copy)
  await page.evaluate(() => {
    const set = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) {
      if (k.startsWith("nnet-ink-v1-unreadable")) throw new DOMException("full", "QuotaExceededError");
      return set.call(this, k, v);
    };
  });
  page.once("dialog", (d) => d.accept());
  await page.locator("#forget").click();
  await page.getByText(/^Could not forget the saved drawings: part of what is saved/).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem("nnet-ink-v1")), JSON.stringify([mine[0], 8]));
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});

test("past the ink buffer the page says the drawing is full, without script errors; a stroke that leaves the pad ends at its edge; each drawing is labelled afresh for saving", async () => {
  const { context, page, problems } = await openPage(browser, DESKTOP, base);
  const r = await padRect(page);
  const at = (u, v) => [r.x + r.width * u, r.y + r.height * v];
  // one scribble of 2,300 moves 2 px and more apart: more points than the 2,048 the core holds
  const scribble = Array.from({ length: 2300 }, (_, i) => at(0.2 + 0.6 * (i % 2), 0.1 + (0.8 * i) / 2300));
  await drawMouse(page, [scribble], 1e6);
  await waitFinal(page);
  await drawMouse(page, [[at(0.1, 0.1), at(0.3, 0.3)]], 6); // a stroke on a full drawing
  await page.waitForTimeout(300);
  assert.match((await shown(page)).detail, /The drawing is full: it has the 2048 points a drawing can hold\. Clear to start again\./);
  assert.match(await page.locator("#announce").textContent(), /^The drawing is full/, "said to a screen reader too");
  assert.deepEqual(problems, [], "no script errors on a full drawing");

  // out of the pad on the right, down outside it, back in: two strokes, nothing along the edge
  await page.keyboard.press("Escape");
  await drawMouse(page, [[at(0.3, 0.3), at(1.3, 0.3), at(1.3, 0.7), at(0.6, 0.7), at(0.4, 0.7)]], 6);
  await waitFinal(page);
  const ink = await page.evaluate(() => window.nnetDemo.lastInk());
  assert.equal(ink.strokes.length, 2, "the stroke ended where it left the pad and began again where it came back");
  const onEdge = ink.strokes.flat().filter(([x, y]) => x >= ink.width - 0.5 && y > ink.height * 0.35 && y < ink.height * 0.65);
  assert.deepEqual(onEdge, [], "no ink smeared along the pad's edge");
  // the same on a drawing that is full of strokes: the last stroke ends at the edge, and what
  // comes back in after it is not joined to it
  await page.keyboard.press("Escape");
  const ticks = Array.from({ length: 63 }, (_, i) => [at(0.1 + 0.012 * i, 0.1), at(0.1 + 0.012 * i, 0.2)]);
  await drawMouse(page, [...ticks, [at(0.3, 0.3), at(1.3, 0.3), at(1.3, 0.7), at(0.6, 0.7), at(0.4, 0.7)]], 6);
  await waitFinal(page);
  const full = await page.evaluate(() => window.nnetDemo.lastInk());
  assert.equal(full.strokes.length, 64);
  // a stroke more is refused, and the message names the strokes, not the points
  await drawMouse(page, [[at(0.5, 0.5), at(0.6, 0.6)]], 6);
  await page.waitForTimeout(300);
  assert.match((await shown(page)).detail, /The drawing is full: it has the 64 strokes a drawing can hold\. Clear to start again\./);
  assert.equal((await page.evaluate(() => window.nnetDemo.lastInk())).strokes.length, 64, "the stroke was not taken");
  const last = full.strokes[63];
  assert.ok(last.every(([, y]) => y < full.height * 0.35), `the last stroke ends where it left the pad: ${JSON.stringify(last.slice(-3))}`);

  // saving: the label is picked for each drawing, and one drawing is saved once
  await drawMouse(page, place(DIGITS[7], r, [0.2, 0.1, 0.8, 0.9]), 6);
  await page.keyboard.press("Escape");
  await drawMouse(page, place(DIGITS[7], r, [0.2, 0.1, 0.8, 0.9]), 6);
  await waitFinal(page);
  const save = page.getByRole("button", { name: "Save drawing" });
  assert.equal(await save.isDisabled(), true, "no label picked yet");
  await page.locator("label[for=label-7]").click();
  await save.click();
  await page.getByText(/^Saved a 7\. 1 drawing kept in this browser\.$/).waitFor();
  assert.equal(await save.isDisabled(), true, "the same drawing is not saved twice");
  // a smaller window scales the drawing to the smaller pad; it is still the drawing saved
  const wide = await page.evaluate(() => document.getElementById("pad").width);
  await page.setViewportSize({ width: 1100, height: 600 });
  // the canvas's pixels are set by the page's resize, which scales the strokes
  await page.waitForFunction((w) => document.getElementById("pad").width < w - 50, wide);
  await page.locator("label[for=label-3]").click();
  await page.locator("label[for=label-7]").click();
  assert.equal(await save.isDisabled(), true, "the drawing saved before the resize is not saved twice");
  // saved again with another label, the drawing takes it: one line, not two
  await page.locator("label[for=label-5]").click();
  await save.click();
  await page.getByText(/^Saved a 5 \(instead of a 7\)\. 1 drawing kept in this browser\.$/).waitFor();
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem("nnet-ink-v1")).map((l) => JSON.parse(l).label));
  assert.deepEqual(kept, [5]);
  // forgotten from the keyboard: the focus goes to the pad, and the drawing can be saved again
  page.once("dialog", (d) => d.accept());
  await page.locator("#forget").focus();
  await page.keyboard.press("Enter");
  await page.getByText(/^Saved drawings forgotten\.$/).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "pad", "focus is not lost");
  assert.equal(await save.isDisabled(), false, "the drawing can be saved again");
  await page.keyboard.press("Escape");
  assert.equal(await page.locator("#labels input:checked").count(), 0, "Clear unpicks the label");
  assert.equal(await page.locator("#save-status").textContent(), "");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a pen-up the page did not hear ends the stroke; a resize answers the scaled drawing; Escape on a key leaves the focus on the pad", async () => {
  const { context, page, problems } = await openPage(browser, DESKTOP, base);
  const r = await padRect(page);
  const at = (u, v) => [r.x + r.width * u, r.y + r.height * v];
  const cdp = await cdpOf(page);
  const mouse = (type, [x, y], buttons) => cdp.send("Input.dispatchMouseEvent",
    { type, x, y, button: type === "mouseMoved" && !buttons ? "none" : "left", buttons, clickCount: 1 });
  const xs = (ink) => ink.strokes.flat().map(([x]) => x / ink.width);

  // the mouse moves on with no button held, its release lost (to another window, say): the
  // stroke ended where the button was let go, and the pen-up's answer came
  await mouse("mouseMoved", at(0.5, 0.15), 0);
  await mouse("mousePressed", at(0.5, 0.15), 1);
  for (let v = 0.2; v <= 0.85; v += 0.05) await mouse("mouseMoved", at(0.5, v), 1);
  for (let u = 0.55; u <= 0.85; u += 0.05) await mouse("mouseMoved", at(u, 0.85), 0);
  let s = await waitFinal(page);
  let ink = await page.evaluate(() => window.nnetDemo.lastInk());
  assert.equal(ink.strokes.length, 1);
  assert.ok(xs(ink).every((x) => Math.abs(x - 0.5) < 0.02), `no ink after the button was let go: ${JSON.stringify(ink.strokes)}`);
  assert.equal(s.state, "result");
  await mouse("mouseReleased", at(0.85, 0.85), 0);

  // the pad loses the pen (the browser takes its capture back) while the button is held: the
  // stroke ends there, and the moves after it draw nothing
  await page.keyboard.press("Escape");
  await page.evaluate(() => document.getElementById("pad").addEventListener("pointerdown", (e) => { window.penId = e.pointerId; }));
  await mouse("mouseMoved", at(0.2, 0.5), 0);
  await mouse("mousePressed", at(0.2, 0.5), 1);
  for (let u = 0.25; u <= 0.5; u += 0.05) await mouse("mouseMoved", at(u, 0.5), 1);
  await page.evaluate(() => document.getElementById("pad").releasePointerCapture(window.penId));
  for (let u = 0.55; u <= 0.8; u += 0.05) await mouse("mouseMoved", at(u, 0.5), 1);
  await mouse("mouseReleased", at(0.8, 0.5), 0);
  await waitFinal(page);
  ink = await page.evaluate(() => window.nnetDemo.lastInk());
  assert.ok(Math.max(...xs(ink)) < 0.52, `the stroke ended where the pad lost the pen: ${JSON.stringify(ink.strokes)}`);

  // a resize (a phone turned, a window made smaller) scales the drawing, and the answer shown is
  // that of the scaled drawing, the one a correction would teach
  await page.keyboard.press("Escape");
  await drawMouse(page, place(DIGITS[7], r, [0.2, 0.1, 0.8, 0.9]), 6);
  s = await waitFinal(page);
  const before = await page.evaluate(() => window.nnetDemo.lastInk());
  await page.setViewportSize({ width: 1000, height: 700 });
  await page.waitForFunction((n) => {
    const res = document.getElementById("result");
    return Number(res.dataset.predictions) > n && res.dataset.final === "1" && !res.hasAttribute("aria-busy");
  }, s.predictions, { timeout: 15000 });
  ink = await page.evaluate(() => window.nnetDemo.lastInk());
  const pad = await page.evaluate(() => document.getElementById("pad").getBoundingClientRect().width);
  assert.ok(ink.width < before.width - 10, `the drawing answered is the scaled one: ${before.width} then ${ink.width}`);
  assert.equal(ink.width, Math.round(pad * 10) / 10);
  // the canvas has no border or padding: the box pointer positions are measured in (and the
  // ink's surface) is the one its bitmap is painted into, not 2 px around it
  const box = await page.evaluate(() => {
    const p = document.getElementById("pad"), r = p.getBoundingClientRect();
    return { w: r.width, h: r.height, cw: p.clientWidth, ch: p.clientHeight, left: p.clientLeft, top: p.clientTop };
  });
  assert.ok(box.left === 0 && box.top === 0 && Math.abs(box.cw - box.w) < 1 && Math.abs(box.ch - box.h) < 1,
    `the pad's boxes: ${JSON.stringify(box)}`);
  assertRecognised(await shown(page), 7, "the scaled 7");

  // Escape with the focus on a key that Clear disables: the focus goes to the pad, not to the
  // top of the page
  for (const name of ["It is a 3", "Copy line"]) {
    await page.getByRole("button", { name }).focus();
    await page.keyboard.press("Escape");
    assert.equal(await page.evaluate(() => document.activeElement.id), "pad", `Escape on "${name}"`);
    await drawMouse(page, place(DIGITS[7], r, [0.2, 0.1, 0.8, 0.9]), 6);
    await waitFinal(page);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("the server's page whose api/model fails runs the network in the browser, from api/model/file", async () => {
  const context = await browser.newContext(DESKTOP);
  const page = await context.newPage();
  // the failed api/model is the one error expected
  const problems = [];
  watchPage(page, problems, base, (m) => /Failed to load resource.*503/.test(m.text()));
  const requests = [];
  page.on("request", (q) => requests.push(new URL(q.url()).pathname));
  await page.route("**/api/model", (q) => q.fulfill({ status: 503, contentType: "application/json", body: '{"error":"busy"}' }));
  await page.goto(base + "/");
  assert.deepEqual(await waitEngine(page), { engine: "browser", mode: "static" });
  assert.ok(requests.includes("/api/model/file") && !requests.includes("/model.nnet"), requests.join(" "));
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  assertRecognised(await waitFinal(page), 7, "with the model from api/model/file");
  assert.match(await page.locator("#model-info").textContent(),
    /… \(api\/model\/file\)\. The server's API did not answer: the page runs on its own\. Every answer is computed in your browser/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("without WebAssembly the server answers, and the page says so where it speaks of the network, also after a Clear and a reload", async () => {
  const context = await browser.newContext(DESKTOP);
  const page = await context.newPage();
  // the module's failed load is the one error expected
  const problems = [];
  watchPage(page, problems, base, (m) => /Failed to load resource/.test(m.text()));
  await page.route("**/nnet.wasm", (r) => r.abort());
  await page.goto(base + "/");
  await page.waitForFunction(() => document.documentElement.dataset.engine === "server", null, { timeout: 15000 });
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  const s = await waitFinal(page);
  assert.equal([s.state, s.digit, s.where].join(" "), "result 7 server");
  // the module did not load: said so, not that WebAssembly cannot run in this browser
  assert.equal(await page.locator("#sees-where").textContent(), "here on the server (the network could not be loaded into this browser)");
  assert.match(await page.locator("#teach-status").textContent(), /^Teaching runs in the browser, and the network could not be loaded into it: /);
  assert.match(await page.locator("#model-info").textContent(), /Answers are computed on the server \(the network did not load here: /);
  assert.equal(await page.getByRole("button", { name: "It is a 7" }).isDisabled(), true);
  // the drawings are kept without WebAssembly too, and the reasons stay after a Clear and a reload
  await page.locator("label[for=label-7]").click();
  await page.getByRole("button", { name: "Save drawing" }).click();
  await page.getByText(/^Saved a 7\. 1 drawing kept in this browser\.$/).waitFor();
  await page.keyboard.press("Escape");
  assert.match(await page.locator("#teach-status").textContent(), /^Teaching runs in the browser, and the network could not be loaded into it: /,
    "Clear keeps the reason the teaching keys are off");
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.engine === "server", null, { timeout: 15000 });
  assert.equal(await page.locator("#save-status").textContent(), "1 drawing kept in this browser.");
  assert.match(await page.locator("#teach-status").textContent(), /^Teaching runs in the browser/);
  assert.deepEqual(problems, [], "no page errors, other console errors or external requests");
  await context.close();
});

// the answer is an error, and no request is outstanding
const errorShown = (page) => page.waitForFunction(() => {
  const r = document.getElementById("result");
  return r.dataset.state === "error" && !r.hasAttribute("aria-busy");
}, null, { timeout: 15000 });

test("a browser without WebAssembly fetches neither module nor model; a server out of reach is asked once per stroke, not on every move", async () => {
  const context = await browser.newContext(DESKTOP);
  await context.addInitScript(() => { delete globalThis.WebAssembly; });
  const page = await context.newPage();
  // the requests to the server out of reach are the errors expected
  const problems = [];
  watchPage(page, problems, base, (m) => /Failed to load resource/.test(m.text()));
  const requests = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(base + "/");
  await page.waitForFunction(() => document.documentElement.dataset.engine === "server", null, { timeout: 15000 });
  assert.deepEqual(requests.filter((p) => p.endsWith("/nnet.wasm") || p.endsWith("/api/model/file")), [],
    "nothing fetched for a module that cannot run");
  assert.match(await page.locator("#teach-status").textContent(), /WebAssembly cannot run here: this browser has WebAssembly turned off or lacks it\.$/);
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  assert.equal((await waitFinal(page)).digit, "7", "the server answers");

  // the server goes away: one failed request when the pen goes down and one when it lifts, per stroke
  await page.keyboard.press("Escape");
  await page.route("**/api/predict", (r) => r.abort("connectionrefused"));
  const predicts = () => requests.filter((p) => p.endsWith("/api/predict")).length;
  const before = predicts();
  const strokes = place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]);
  const t0 = Date.now();
  await drawMouse(page, strokes, 2, { paced: true });
  const drawingMs = Date.now() - t0;
  await errorShown(page);
  // every request made: until none has been made for half a second
  for (let last = -1, t = Date.now(); predicts() !== last && Date.now() - t < 10000;) {
    last = predicts();
    await page.waitForTimeout(500);
  }
  const failed = predicts() - before;
  assert.ok(drawingMs > 4 * 120, `the drawing took ${drawingMs} ms: long enough for several live requests`);
  assert.ok(failed <= 1 + strokes.length, `${failed} requests for ${strokes.length} strokes in ${drawingMs} ms`);
  assert.match(await page.locator("#detail").textContent(), /^the server cannot be reached/);
  // saving needs no network: the drawing can still be labelled and kept
  await page.locator("label[for=label-7]").click();
  await page.getByRole("button", { name: "Save drawing" }).click();
  assert.match(await page.locator("#save-status").textContent(), /^Saved a 7\./);
  // back again: the next stroke's end is answered
  await page.unroute("**/api/predict");
  await page.keyboard.press("Escape");
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  assert.equal((await waitFinal(page)).digit, "7", "the server answers again");
  // a 200 that is not the API's (a proxy's page, a captive portal) is an error, not "no digit"
  await page.keyboard.press("Escape");
  await page.route("**/api/predict", (q) => q.fulfill({ status: 200, contentType: "text/html", body: "<h1>Sign in</h1>" }));
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  await errorShown(page);
  assert.match(await page.locator("#detail").textContent(), /^unreadable answer \(HTTP 200\)/);
  await page.unroute("**/api/predict");

  // a proxy whose server is down (502): asked again once per stroke, as a server out of
  // reach, and the error said to a screen reader at each pen-up, not for each live request
  await page.keyboard.press("Escape");
  await page.evaluate(() => {
    window.errorsSaid = 0;
    new MutationObserver(() => {
      if (document.getElementById("announce").textContent.startsWith("Error:")) window.errorsSaid++;
    }).observe(document.getElementById("announce"), { childList: true, characterData: true, subtree: true });
  });
  await page.route("**/api/predict", (q) => q.fulfill({ status: 502, contentType: "text/html", body: "<h1>Bad Gateway</h1>" }));
  const before502 = predicts();
  await drawMouse(page, strokes, 2, { paced: true });
  await page.waitForFunction(() => {
    const r = document.getElementById("result");
    return r.dataset.state === "error" && r.dataset.final === "1" && !r.hasAttribute("aria-busy");
  }, null, { timeout: 15000 });
  for (let last = -1, t = Date.now(); predicts() !== last && Date.now() - t < 10000;) {
    last = predicts();
    await page.waitForTimeout(500);
  }
  const failed502 = predicts() - before502;
  assert.ok(failed502 <= 1 + strokes.length, `${failed502} requests to a failing server for ${strokes.length} strokes`);
  const said = await page.evaluate(() => window.errorsSaid);
  assert.ok(said >= 1 && said <= strokes.length, `the error said ${said} times for ${strokes.length} strokes`);
  await page.unroute("**/api/predict");

  // no network answers, and the drawing is a dash: it cannot be saved (host-trainer would
  // refuse the downloaded file); a digit drawn then can
  await page.keyboard.press("Escape");
  await page.route("**/api/predict", (r) => r.abort("connectionrefused"));
  const rect = await padRect(page);
  await drawMouse(page, [[[rect.x + 40, rect.y + 150], [rect.x + 240, rect.y + 160]]]);
  await errorShown(page);
  await page.locator("label[for=label-1]").click();
  assert.ok(await page.getByRole("button", { name: "Save drawing" }).isDisabled(), "a dash can be saved");
  await page.keyboard.press("Escape");
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  await errorShown(page);
  await page.locator("label[for=label-7]").click();
  assert.ok(await page.getByRole("button", { name: "Save drawing" }).isEnabled(), "a 7 cannot be saved");
  await page.unroute("**/api/predict");
  assert.deepEqual(problems, [], "no page errors, other console errors or external requests");
  await context.close();
});

test("a server whose api/model never answers is given up on after 15 s, and the network runs in the browser", async () => {
  const context = await browser.newContext(DESKTOP);
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems, base);
  // the request stalls: never answered (a hung proxy)
  await page.route((url) => url.pathname === "/api/model", () => {});
  await page.goto(base + "/");
  await page.waitForFunction(() => document.documentElement.dataset.engine === "browser", null, { timeout: 30000 });
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  const s = await waitFinal(page);
  assert.equal(s.digit, "7");
  assert.match(await page.locator("#detail").textContent(), /in your browser/);
  assert.deepEqual(problems, [], "no page errors, other console errors or external requests");
  await context.close();
});

test("Clear while the server has not answered leaves no busy answer behind", async () => {
  const context = await browser.newContext(DESKTOP);
  await context.addInitScript(() => { delete globalThis.WebAssembly; });
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems, base);
  await page.goto(base + "/");
  await page.waitForFunction(() => document.documentElement.dataset.engine === "server", null, { timeout: 15000 });
  let sent = 0, settled = 0;
  const predict = (q) => q.url().endsWith("/api/predict");
  page.on("request", (q) => { if (predict(q)) sent++; });
  for (const ended of ["requestfinished", "requestfailed"]) page.on(ended, (q) => { if (predict(q)) settled++; });
  await page.route("**/api/predict", async (r) => {
    await new Promise((done) => setTimeout(done, 800));
    await r.continue().catch(() => {});
  });
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  assert.equal(await page.locator("#result").getAttribute("aria-busy"), "true", "the answer is on its way");
  await page.keyboard.press("Escape");
  assert.equal(await page.locator("#result").getAttribute("aria-busy"), null, "cleared: nothing is on its way");
  // every answer on its way arrives (stale now), and the page has handled it
  const deadline = Date.now() + 15000;
  while (sent === 0 || settled < sent) {
    assert.ok(Date.now() < deadline, `${settled} of ${sent} answers in 15 s`);
    await page.waitForTimeout(100);
  }
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  assert.equal(await page.locator("#result").getAttribute("aria-busy"), null, "the stale answer leaves it so");
  assert.equal(await page.locator("#result").getAttribute("data-state"), "empty");
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});

// A page that cannot run WebAssembly (it asks the server), its timers on a clock the test
// moves on (it runs as usual until then), loaded. `until(what, f)` polls `f` in the page, and
// `untilHere` a check in the test, every 50 ms for up to 15 s (waitForFunction polls on the
// page's animation frames, which the clock holds).
async function serverPageOnClock() {
  const context = await browser.newContext(DESKTOP);
  await context.addInitScript(() => { delete globalThis.WebAssembly; });
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems, base);
  await page.clock.install();
  const untilHere = async (what, f) => {
    for (const t0 = Date.now(); !(await f());) {
      assert.ok(Date.now() - t0 < 15000, what + " in 15 s");
      await new Promise((done) => setTimeout(done, 50));
    }
  };
  const until = (what, f) => untilHere(what, () => page.evaluate(f));
  await page.goto(base + "/");
  await until("the server engine", () => document.documentElement.dataset.engine === "server");
  return { context, page, problems, until, untilHere };
}

test("a server answer that never comes ends in an error after 15 s, and the next stroke is answered", async () => {
  const { context, page, problems, until } = await serverPageOnClock();
  const held = [];
  await page.route("**/api/predict", (q) => { held.push(q); });
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  await until("a request on its way", () => document.getElementById("result").hasAttribute("aria-busy"));
  await page.clock.fastForward(14000);
  await page.waitForTimeout(300);
  assert.equal(await page.locator("#result").getAttribute("aria-busy"), "true", "still waiting after 14 s");
  await page.clock.fastForward(2000);
  await until("the error", () => {
    const r = document.getElementById("result");
    return r.dataset.state === "error" && !r.hasAttribute("aria-busy");
  });
  assert.match(await page.locator("#detail").textContent(), /^the server did not answer in 15 s/);
  // the pen is up: the error is the stroke's final word, said to a screen reader as answers are
  assert.equal(await page.locator("#result").getAttribute("data-final"), "1");
  assert.match(await page.locator("#announce").textContent(), /^Error: the server did not answer in 15 s/);
  // the answer queued behind it is not asked at once (it would hang as long): the next stroke asks
  await page.waitForTimeout(300);
  assert.equal(held.length, 1, "one request sent for the stroke");
  assert.equal(await page.locator("#result").getAttribute("aria-busy"), null);
  await page.unroute("**/api/predict");
  for (const q of held) await q.continue().catch(() => {});
  await page.keyboard.press("Escape");
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  await until("the next answer", () => {
    const r = document.getElementById("result");
    return r.dataset.final === "1" && !r.hasAttribute("aria-busy");
  });
  assert.equal(await page.locator("#digit").textContent(), "7", "the server answers the next stroke");
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});

test("a server request given up on after Clear does not pause the live answers of the drawings after it", async () => {
  const { context, page, problems, until, untilHere } = await serverPageOnClock();
  // the first request never comes back; the others do
  const held = [];
  let sent = 0;
  await page.route("**/api/predict", (q) => { sent++; if (held.length === 0) held.push(q); else q.continue(); });
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  await until("a request on its way", () => document.getElementById("result").hasAttribute("aria-busy"));
  await page.keyboard.press("Escape");
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  await until("the next drawing's answer", () => {
    const r = document.getElementById("result");
    return r.dataset.final === "1" && !r.hasAttribute("aria-busy");
  });
  // the first request is given up on now, long after the Clear
  await page.clock.fastForward(16000);
  await page.waitForTimeout(300);
  await page.keyboard.press("Escape");
  // a stroke begun now is answered while the pen is still down
  const before = sent;
  const rect = await padRect(page);
  await page.mouse.move(rect.x + rect.width * 0.5, rect.y + rect.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(rect.x + rect.width * 0.5, rect.y + rect.height * 0.8, { steps: 8 });
  await untilHere("a live answer asked for during the stroke", async () => sent > before);
  await page.mouse.up();
  await page.unroute("**/api/predict");
  for (const q of held) await q.continue().catch(() => {});
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});

test("a drawing saved in one tab takes a new label in place after another tab saved one; Copy line without the clipboard API copies the same line and keeps the focus", async () => {
  const { context, page, problems } = await openPage(browser, DESKTOP, base);
  const other = await context.newPage();
  await other.goto(base + "/");
  const save = async (p, digit, label) => {
    await p.keyboard.press("Escape");
    await drawMouse(p, place(DIGITS[digit], await padRect(p), [0.2, 0.1, 0.8, 0.9]), 6);
    await waitFinal(p);
    await p.locator(`label[for=label-${label}]`).click();
    await p.getByRole("button", { name: "Save drawing" }).click();
  };
  await save(page, 7, 3); // the wrong label
  await page.getByText(/^Saved a 3\. 1 drawing kept in this browser\.$/).waitFor();
  await save(other, 1, 1);
  await page.getByText(/^2 drawings kept in this browser\.$/).waitFor();
  // the right label: the line saved with the wrong one takes it, no second line
  await page.locator("label[for=label-7]").click();
  await page.getByRole("button", { name: "Save drawing" }).click();
  await page.getByText(/^Saved a 7 \(instead of a 3\)\. 2 drawings kept in this browser\.$/).waitFor();
  const labels = await page.evaluate(() => JSON.parse(localStorage.getItem("nnet-ink-v1")).map((l) => JSON.parse(l).label));
  assert.deepEqual(labels, [7, 1]);
  assert.equal(await page.getByRole("button", { name: "Save drawing" }).isDisabled(), true, "saved once");

  // no clipboard API (plain HTTP on a LAN address): the fallback copies the line with its
  // newline, as the API does, and the keyboard's focus stays on the button
  await page.evaluate(() => {
    Object.defineProperty(navigator, "clipboard", { value: undefined, configurable: true });
    document.execCommand = (cmd) => { window.copied = cmd === "copy" ? document.activeElement.value : null; return true; };
  });
  await page.locator("#copy").focus();
  await page.keyboard.press("Enter");
  await page.getByText(/^Copied one JSONL line to the clipboard\.$/).waitFor();
  const copied = await page.evaluate(() => window.copied);
  assert.ok(copied.endsWith("}\n") && JSON.parse(copied).label === 7, JSON.stringify(copied));
  assert.equal(await page.evaluate(() => document.activeElement.id), "copy", "the focus stays on Copy line");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a phone held sideways shows the whole pad and the answer beside it on its screen; in dark mode the accent buttons' text and the pad's hint are legible (contrast 4.5:1)", async () => {
  for (const [width, height] of [[610, 360], [667, 375], [915, 412]]) {
    const { context, page } = await openPage(browser,
      { viewport: { width, height }, hasTouch: true, isMobile: true }, base);
    const pad = await padRect(page);
    const answer = await page.locator("#result").boundingBox();
    assert.ok(pad.y + pad.height <= height, `${width}x${height}: the pad ends at ${pad.y + pad.height}px, on the screen`);
    assert.ok(answer.y + 40 <= height && answer.x >= pad.x + pad.width,
      `${width}x${height}: the answer (${answer.x}, ${answer.y}) beside the pad, on the screen`);
    const [scroll, client] = await page.evaluate(() =>
      [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `${width}x${height}: no horizontal scrolling (${scroll} > ${client})`);
    await context.close();
  }
  const { context, page, problems } = await openPage(browser,
    { viewport: { width: 740, height: 360 }, hasTouch: true, isMobile: true, colorScheme: "dark" }, base);
  const rect = await padRect(page);
  assert.ok(rect.y + rect.height <= 360, `the pad (${rect.y}+${rect.height}px) fits a 360px high screen`);
  // WCAG contrast of two CSS colours
  const contrast = (a, b) => page.evaluate(([a, b]) => {
    const lum = (c) => {
      const [r, g, bl] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    };
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  }, [a, b]);
  const colours = (sel) => page.evaluate((sel) => {
    const cs = getComputedStyle(document.querySelector(sel));
    return [cs.color, cs.backgroundColor];
  }, sel);
  const [fg, bg] = await colours("#save");
  assert.ok(await contrast(fg, bg) >= 4.5, `Save drawing: ${fg} on ${bg}`);
  const [hint] = await colours("#pad-hint");
  const paper = await page.evaluate(() => getComputedStyle(document.getElementById("pad")).backgroundColor);
  assert.ok(await contrast(hint, paper) >= 4.5, `the pad's hint: ${hint} on ${paper}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("touch: a phone-sized page draws with a finger without scrolling, and is recognised", async () => {
  const { context, page, problems } = await openPage(browser, PHONE, base);
  const cdp = await context.newCDPSession(page);
  // responsive: the pad fits the phone's width
  const rect = await padRect(page);
  assert.ok(rect.width <= 360 && rect.width > 250, `pad fits the phone (${rect.width}px)`);
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
    if (digit === 7) await page.screenshot({ path: path.join(OUT, "web-demo-phone.png"), fullPage: true, animations: "disabled" });
    await page.getByRole("button", { name: "Clear" }).tap();
    assertEmpty(await shown(page), `${what}: cleared by tapping Clear`);
  }
  const pointerTypes = await page.evaluate(() => [...window.__kinds]);
  assert.deepEqual(pointerTypes, ["touch"], "the strokes arrived as touch pointer events");
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});

test("phone layout at 360 px: no horizontal scrolling, digit buttons a finger wide, every control labelled and reachable by keyboard with visible focus, the answer announced", async () => {
  const { context, page, problems } = await openPage(browser, PHONE, base);
  const noSideScroll = () => page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
    widest: Math.max(...[...document.querySelectorAll("body *")].map((e) => e.getBoundingClientRect().right)),
  }));
  let w = await noSideScroll();
  assert.equal(w.client, 360);
  assert.ok(w.scroll <= w.client && w.widest <= w.client + 0.5, `no horizontal scrolling: ${JSON.stringify(w)}`);

  // every button, input and the drawing area has an accessible name
  const unnamed = await page.evaluate(() => [...document.querySelectorAll("button, input, canvas[tabindex], select, textarea")]
    .filter((e) => {
      const label = e.getAttribute("aria-label") || (e.labels && [...e.labels].map((l) => l.textContent).join("")) || e.textContent;
      return !label || !label.trim();
    }).map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, [], "controls without a name");

  // draw, so the answer is announced and the buttons that need ink are enabled
  const cdp = await context.newCDPSession(page);
  await drawTouch(cdp, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  const s = await waitFinal(page);
  assertRecognised(s, 7, "phone 7");
  const live = await page.evaluate(() => {
    const a = document.getElementById("announce");
    return { live: a.getAttribute("aria-live"), atomic: a.getAttribute("aria-atomic"), text: a.textContent };
  });
  assert.deepEqual([live.live, live.atomic], ["polite", "true"]);
  const said = live.text.match(/^The network thinks it is a 7, (\d+\.\d) percent sure\.$/);
  assert.ok(said, live.text);
  assert.equal(await page.locator("#confidence").textContent(), said[1] + "% sure", "the percentage the screen shows");
  // each bar is read once: its digit and percentage are hidden from screen readers, its label says both
  assert.equal(await page.locator("#bars .bar .pct[aria-hidden=true]").count(), 10);
  await page.getByText("7", { exact: true }).and(page.locator(".labels label")).tap();
  // the digit buttons (save label, teach) are a finger wide: two rows of five
  const small = await page.evaluate(() => [...document.querySelectorAll(".labels label, #teach button")]
    .map((e) => e.getBoundingClientRect()).filter((r) => r.width < 44 || r.height < 44).length);
  assert.equal(small, 0, "every digit button is at least 44x44 px");
  w = await noSideScroll();
  assert.ok(w.scroll <= w.client && w.widest <= w.client + 0.5, `no horizontal scrolling with a result: ${JSON.stringify(w)}`);

  // Tab walks through every enabled control; each shows a visible focus ring
  const expected = await page.evaluate(() => [...document.querySelectorAll("button:not(:disabled), #pad, .labels input")]
    .filter((e) => !(e.type === "radio" && !e.checked)).map((e) => e.id));
  const reached = await tabThrough(page);
  for (const f of reached) assert.ok(f.outline && f.visible, `#${f.id} has a visible focus ring`);
  const seen = reached.map((f) => f.id);
  assert.deepEqual([...seen].sort(), [...expected].sort(), "Tab reaches every enabled control");
  // keyboard use: Enter on the focused Clear button clears
  await page.locator("#clear").focus();
  await page.keyboard.press("Enter");
  assertEmpty(await shown(page), "cleared from the keyboard");
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});

test("the cards keep their places when the first answer appears, and Tab follows the work: pad, teaching, saving (on a phone, top to bottom as shown)", async () => {
  for (const [options, layout] of [[DESKTOP, "desktop"], [PHONE, "phone"]]) {
    const { context, page, problems } = await openPage(browser, options, base);
    const cards = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll("main .card")].map((c) => {
      const r = c.getBoundingClientRect();
      return [c.id, { top: r.top + scrollY, left: r.left, right: r.right, bottom: r.bottom + scrollY }];
    })));
    const before = await cards();
    if (layout === "desktop") {
      const { "pad-card": pad, "save-card": save, "result-card": res } = before;
      assert.ok(Math.abs(save.top - pad.bottom - 16) <= 1, `desktop: the save card sits right under the pad (${JSON.stringify([pad, save])})`);
      assert.ok(res.left > pad.right && Math.abs(res.top - pad.top) <= 1, "desktop: the answer is beside the pad");
      await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
    } else {
      const order = Object.entries(before).sort((a, b) => a[1].top - b[1].top).map(([id]) => id);
      assert.deepEqual(order, ["pad-card", "result-card", "teach-card", "sees-card", "save-card"], "phone: one column, the answer under the pad");
      const cdp = await context.newCDPSession(page);
      await drawTouch(cdp, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
    }
    assertRecognised(await waitFinal(page), 7, `${layout} 7`);
    const after = await cards();
    for (const id of Object.keys(before)) {
      assert.ok(Math.abs(after[id].top - before[id].top) <= 1 && Math.abs(after[id].bottom - before[id].bottom) <= 1,
        `${layout}: #${id} kept its place when the answer appeared: ${JSON.stringify([before[id], after[id]])}`);
    }

    // Tab from the top: the card of each control reached, in order, and on a phone where it is shown
    const reached = await tabThrough(page);
    const cardOrder = reached.map((f) => f.card).filter((c, i, a) => i === 0 || a[i - 1] !== c);
    assert.deepEqual(cardOrder, ["pad-card", "teach-card", "save-card"], `${layout}: Tab order by card`);
    if (layout === "phone") {
      for (let i = 1; i < reached.length; i++) {
        const [p, q] = [reached[i - 1], reached[i]];
        assert.ok(q.top > p.top + 1 || (Math.abs(q.top - p.top) <= 1 && q.left > p.left),
          `phone: Tab goes down the page or along a row: #${p.id} then #${q.id}`);
      }
    }
    assert.deepEqual(problems, [], "no page errors, console errors or external requests");
    await context.close();
  }
});

test("a change of the screen's pixel ratio under a pad of the same size gives the canvas the new ratio's pixels, by the next stroke at the latest", async () => {
  const { context, page, problems } = await openPage(browser, DESKTOP, base);
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  const before = await waitFinal(page);
  const ink = await page.evaluate(() => JSON.stringify(window.nnetDemo.lastInk()));
  const canvas = () => page.evaluate(() => {
    const pad = document.getElementById("pad");
    return { width: pad.width, css: pad.getBoundingClientRect().width, dpr: window.devicePixelRatio };
  });
  const at1 = await canvas();
  assert.equal(at1.width, Math.round(at1.css));
  // the window moved to a screen of twice the pixel ratio, at the same size in CSS pixels
  const cdp = await cdpOf(page);
  await cdp.send("Emulation.setDeviceMetricsOverride", {
    width: DESKTOP.viewport.width, height: DESKTOP.viewport.height, deviceScaleFactor: 2, mobile: false,
  });
  await page.waitForFunction(() => window.devicePixelRatio === 2);
  // (an emulated change of ratio fires no media query's change: the next stroke finds it)
  const rect = await padRect(page);
  await drawMouse(page, [[[rect.x + rect.width * 0.5, rect.y + rect.height * 0.45], [rect.x + rect.width * 0.55, rect.y + rect.height * 0.5]]]);
  await waitFinal(page);
  const at2 = await canvas();
  assert.equal(at2.css, at1.css, "the pad kept its size");
  assert.equal(at2.width, Math.round(at2.css * 2), "the canvas has the new ratio's pixels");
  // the drawing is what it was, a stroke more: only the canvas's pixels changed
  const after = JSON.parse(await page.evaluate(() => JSON.stringify(window.nnetDemo.lastInk())));
  assert.deepEqual(after.strokes.slice(0, -1), JSON.parse(ink).strokes);
  assert.equal(after.strokes.length, JSON.parse(ink).strokes.length + 1);
  assert.equal(before.state, "result");
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});

test("a pen put down while a touch draws takes the pad and the touch's stroke goes (a resting hand); a pen that hovers has lifted", async () => {
  const { context, page, problems } = await openPage(browser, { ...DESKTOP, hasTouch: true }, base);
  const cdp = await cdpOf(page);
  const rect = await padRect(page);
  const at = (fx, fy) => [rect.x + rect.width * fx, rect.y + rect.height * fy];
  const pen = (type, [x, y], buttons) => cdp.send("Input.dispatchMouseEvent",
    { type, x, y, button: type === "mouseMoved" && !buttons ? "none" : "left", buttons, clickCount: 1, pointerType: "pen" });
  const touch = (type, points) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points.map(([x, y]) => ({ x, y, id: 7 })) });
  // the hand comes down first, at the pad's lower right, and moves a little
  await touch("touchStart", [at(0.92, 0.9)]);
  await touch("touchMove", [at(0.88, 0.86)]);
  await touch("touchMove", [at(0.85, 0.84)]);
  // then the pen draws a 7, the hand still resting
  const seven = place(DIGITS[7], rect, [0.1, 0.1, 0.9, 0.9]).map((s) => densify(s, 12));
  for (const s of seven) {
    await pen("mousePressed", s[0], 1);
    for (const p of s.slice(1)) await pen("mouseMoved", p, 1);
    await pen("mouseReleased", s[s.length - 1], 0);
  }
  await touch("touchMove", [at(0.8, 0.8)]);
  await touch("touchEnd", []);
  assertRecognised(await waitFinal(page), 7, "a pen's 7 beside a resting hand");
  const ink = await page.evaluate(() => window.nnetDemo.lastInk());
  assert.equal(ink.strokes.length, seven.length, "the pen's strokes alone");
  // a pen whose lift the page did not hear (it hovers, no button): the stroke ends, answered
  await page.keyboard.press("Escape");
  const line = densify(place(DIGITS[1], rect, [0.3, 0.1, 0.7, 0.9])[0], 12);
  await pen("mousePressed", line[0], 1);
  for (const p of line.slice(1)) await pen("mouseMoved", p, 1);
  await pen("mouseMoved", at(0.95, 0.5), 0);
  assertRecognised(await waitFinal(page), 1, "a pen's 1, its lift unheard");
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});

test("the same words said twice in a row still change what a screen reader hears (Clears, an answer said again)", async () => {
  const { context, page, problems } = await openPage(browser, DESKTOP, base);
  const said = () => page.locator("#announce").textContent();
  const texts = [];
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press("Escape");
    texts.push(await said());
  }
  assert.deepEqual(texts.map((t) => t.trim()), Array(3).fill("Cleared. Draw a digit."));
  assert.notEqual(texts[1], texts[0]);
  assert.notEqual(texts[2], texts[1]);
  // an answer said again as it was (the drawing answered once more, at a new size)
  await drawMouse(page, place(DIGITS[7], await padRect(page), [0.1, 0.1, 0.9, 0.9]));
  await waitFinal(page);
  const first = await said();
  assert.match(first, /^The network thinks it is a 7, \d+\.\d percent sure\.$/);
  await page.setViewportSize({ width: 1000, height: 900 });
  await page.waitForFunction((t) => document.getElementById("announce").textContent !== t, first);
  const again = await said();
  assert.equal(again.trim(), first.trim());
  assert.deepEqual(problems, [], "no page errors, console errors or external requests");
  await context.close();
});
