/**
 * §9 What the user sees: the real editor (the web shell) in Debian's Chromium, driven by Playwright. Each edit
 * types a new background colour into Monaco and presses Ctrl+S; the page itself times the key press and the
 * first canvas draw whose pixels show the new colour. Instrumentation is injected into the page (an init
 * script), never built into the product: a capturing keydown listener, a wrapper of WebSocket (the save request
 * leaving, reload events and — with KILN_FRAME_RELAY=0 — frames arriving), of fetch (the frame relay's stream)
 * and of putImageData (the canvas draw).
 *
 * Every timestamp is epoch milliseconds with sub-millisecond precision (performance.timeOrigin + now() in the
 * page; the back end's ReloadEvent.at is Date.now() of the save arriving), so the hops line up across processes.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KilnPaths } from '../electron/core/paths';
import { FRAME_MAGIC, type ReloadEvent } from '../electron/shared/contract';
import { applyFrameOps, FRAME_DELTA_MAGIC } from '../electron/shared/frame-codec';
import { startWebShell, stopWebShell, type WebShell } from '../e2e/web-shell';
import { sampled, withTarget, type Figure } from './figures';
import { bareCompile, compilerLabel, nextColour, tempProject, withColour, type CompilerName, type Fixture } from './game';
import { formatSteps, reloadSteps, stepsP50, type ReloadSteps } from './hops';

export const CHROMIUM = '/usr/bin/chromium';

/** Runs in the page before Kiln's own scripts. */
export const INSTRUMENT = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const kb = (window.__kilnBench = { keys: [], sends: [], frames: [], draws: [], reloads: [], longTasks: [], rafs: [], probe: [0, 0], gameKeys: [], column: null, tops: [] });
  // When each animation frame's callbacks start (debug: how long a frame that has arrived waits for its draw).
  const raf = window.requestAnimationFrame;
  window.requestAnimationFrame = function (cb) { return raf.call(window, (ts) => { kb.rafs.push(now()); if (kb.rafs.length > 4000) kb.rafs.splice(0, 2000); return cb(ts); }); };
  // Tasks over 50 ms on the page's main thread (start, duration): a frame read on that thread waits for them.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) kb.longTasks.push([performance.timeOrigin + e.startTime, e.duration]);
  }).observe({ type: 'longtask' });
  addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && (e.key === 's' || e.key === 'S')) kb.keys.push(now());
    else if (!e.repeat && (e.key === 'w' || e.key === 's')) kb.gameKeys.push(now());
  }, true);
  const Native = window.WebSocket;
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    if (typeof data === 'string' && data.includes('"method":"file.save"')) kb.sends.push(now());
    return send.call(this, data);
  };
  const pixel = (bytes, offset) => ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
  const push = (t, number, rgba) => {
    kb.frames.push([t, number, rgba]);
    if (kb.trace) performance.mark('kiln-frame-' + number + '-' + rgba.toString(16));
    if (kb.frames.length > 4000) kb.frames.splice(0, 2000);
  };
  const frame = (t, bytes) => {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength <= 16 || v.getUint32(0, true) !== ${FRAME_MAGIC}) return;
    const w = v.getUint16(4, true);
    push(t, v.getUint32(8, true), pixel(bytes, 16 + ((kb.probe[1] * w) + kb.probe[0]) * 4));
  };
  // The frame relay's stream carries changes to the frame before (electron/shared/frame-codec.ts): decoded with
  // the page's own function, so the probe pixel is read from the frame the page gets; in place, as the page does,
  // so the measuring adds no 230 KB buffer per frame to the main thread it measures.
  const applyFrameOps = ${applyFrameOps.toString()};
  let ref = null;
  const streamFrame = (t, bytes) => {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength >= 16 && v.getUint32(0, true) === ${FRAME_MAGIC}) {
      const w = v.getUint16(4, true), h = v.getUint16(6, true);
      ref = new Uint32Array(bytes.slice(16, 16 + w * h * 4).buffer);
      return frame(t, bytes);
    }
    if (bytes.byteLength < 20 || v.getUint32(0, true) !== ${FRAME_DELTA_MAGIC}) return;
    const w = v.getUint16(4, true), h = v.getUint16(6, true), opWords = v.getUint32(16, true);
    const out = ref && ref.length === w * h ? ref : new Uint32Array(w * h);
    if (!applyFrameOps(ref, new Uint32Array(bytes.slice(20, 20 + opWords * 4).buffer), out)) { ref = null; return; }
    ref = out;
    push(t, v.getUint32(8, true), pixel(new Uint8Array(out.buffer), ((kb.probe[1] * w) + kb.probe[0]) * 4));
  };
  const record = (ev) => {
    const t = now();
    if (ev.data instanceof ArrayBuffer) frame(t, new Uint8Array(ev.data));
    else if (typeof ev.data === 'string' && ev.data.includes('"reload"')) { kb.reloads.push([t, ev.data]); if (kb.trace) performance.mark('kiln-reload'); }
  };
  // The frame relay's stream ([u32 length][frame] ...): each frame is recorded as its last byte arrives.
  const nativeFetch = window.fetch;
  window.fetch = async function (input, init) {
    const res = await nativeFetch.call(this, input, init);
    const url = typeof input === 'string' ? input : input.url;
    if (!url.endsWith('/frames') || !res.body) return res;
    let buf = new Uint8Array(0);
    const tap = new TransformStream({
      transform(chunk, out) {
        const t = now();
        out.enqueue(chunk);
        const b = new Uint8Array(buf.length + chunk.length);
        b.set(buf);
        b.set(chunk, buf.length);
        let at = 0;
        while (b.length - at >= 4) {
          const len = new DataView(b.buffer, at, 4).getUint32(0, true);
          if (b.length - at - 4 < len) break;
          streamFrame(t, b.subarray(at + 4, at + 4 + len));
          at += 4 + len;
        }
        buf = b.slice(at);
      },
    });
    return new Response(res.body.pipeThrough(tap), { status: res.status, headers: res.headers });
  };
  // The bridge sets onmessage: record each message first, then hand it on.
  const onmessage = Object.getOwnPropertyDescriptor(Native.prototype, 'onmessage');
  Object.defineProperty(Native.prototype, 'onmessage', {
    configurable: true,
    get() { return onmessage.get.call(this); },
    set(fn) { onmessage.set.call(this, fn ? (ev) => { record(ev); return fn.call(this, ev); } : fn); },
  });
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (img, ...rest) {
    const r = put.call(this, img, ...rest);
    const i = ((kb.probe[1] * img.width) + kb.probe[0]) * 4;
    kb.draws.push([now(), pixel(img.data, i)]);
    if (kb.column) {
      // §16: the first row of column x in one colour (pong's left paddle), as drawn.
      let top = -1;
      for (let y = 0; y < img.height && top < 0; y++) if (pixel(img.data, (y * img.width + kb.column[0]) * 4) === kb.column[1]) top = y;
      kb.tops.push([now(), top]);
      if (kb.tops.length > 4000) kb.tops.splice(0, 2000);
    }
    if (kb.draws.length > 4000) kb.draws.splice(0, 2000);
    return r;
  };
})();`;

interface PageLog {
  keys: number[];
  sends: number[];
  frames: Array<[number, number, number]>;
  draws: Array<[number, number]>;
  reloads: Array<[number, string]>;
  longTasks: Array<[number, number]>;
  rafs: number[];
}

/** One edit's hops in ms, each from the step before it, so they add up to keyToPaint (the middle ones: ReloadSteps). */
type Hops = { keyToPaint: number; keyToSend: number; sendToBackend: number } & ReloadSteps & {
  /** The relay thread, the HTTP stream, Chromium's network process, the page's stream reader. */
  frameSentToPage: number;
  pageToPainted: number;
};

export interface BrowserResult {
  figures: Figure[];
  details: Record<string, unknown>;
}

function reloadOf(raw: string): ReloadEvent | null {
  try {
    const msg = JSON.parse(raw) as { event?: string; payload?: ReloadEvent };
    return msg.event === 'reload' && msg.payload ? msg.payload : null;
  } catch {
    return null;
  }
}

export async function editorReady(page: Page): Promise<void> {
  await page.locator('[data-testid="reload-status"][data-state="ok"]').waitFor({ timeout: 120_000 });
  await page.locator('[data-testid="editor"] .view-lines').waitFor({ timeout: 60_000 });
}

/**
 * Ctrl+S as a person presses it: Control first, then S held for KEY_HOLD_MS. Playwright's `press('Control+s')` lets
 * go of S within a millisecond, and Chromium (since DeferRendererTasksAfterInput, on by default, policy all-types)
 * holds back every task of the page's main thread after each key event until the next main frame: the key-up's
 * window then caught the new game frame, a frame later than a person would see it (docs/PLATFORM.md, "Chromium
 * defers a page's tasks after a key event"). A person holds a key 80-120 ms; the new frame comes ~15 ms after S.
 */
const KEY_LEAD_MS = 80;
const KEY_HOLD_MS = 100;
async function pressSave(page: Page): Promise<void> {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await page.keyboard.down('Control');
  await wait(KEY_LEAD_MS);
  await page.keyboard.down('s');
  await wait(KEY_HOLD_MS);
  await page.keyboard.up('s');
  await page.keyboard.up('Control');
}

/** Debian's Chromium as every browser section launches it, with KILN_BENCH_CHROMIUM_ARGS's flags added. */
function launchChromium(): Promise<Browser> {
  const extra = (process.env.KILN_BENCH_CHROMIUM_ARGS ?? '').split(' ').filter(Boolean);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', ...extra] });
}

/** The editor at `url` in a 1280x720 page timed by INSTRUMENT, once its first build runs. */
async function openInstrumented(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.addInitScript(INSTRUMENT);
  await page.goto(url);
  await editorReady(page);
  return page;
}

/** Puts the cursor at the start of `line` (1-based) the way a user does: Ctrl+G. */
async function goToLine(page: Page, line: number): Promise<void> {
  await page.locator('[data-testid="editor"] .view-lines').click();
  await page.keyboard.press('Control+g');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`:${line}`);
  await input.press('Enter');
  await page.keyboard.press('Home');
  await page.keyboard.press('Home');
}

export async function browserSaveToPaint(paths: KilnPaths, f: Fixture, cc: CompilerName, edits: number, log: (s: string) => void): Promise<BrowserResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`§9 needs Chromium at ${CHROMIUM}: apt-get install chromium (scripts/setup.sh does it)`);
  const dir = tempProject(f, cc);
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-browser-bare-'));
  let shell: WebShell | null = null;
  let browser: Browser | null = null;
  const hops: Hops[] = [];
  const bare: number[] = [];
  let failures = 0;
  try {
    shell = await startWebShell(dir);
    browser = await launchChromium();
    const page = await openInstrumented(browser, shell.url);
    const [px, py] = f.probes(f.width, f.height)[0];
    await page.evaluate(`window.__kilnBench.probe = [${px}, ${py}]`);
    let source = readFileSync(path.join(dir, f.source), 'utf8');
    const line = source.split('\n').findIndex((l) => l.startsWith(`#define ${f.colourDefine} `)) + 1;
    if (line < 1) throw new Error(`${f.source} has no #define ${f.colourDefine} line`);
    // KILN_BENCH_TRACE=file: a Chrome trace of the edits (every process's tasks), with a user-timing mark where each
    // frame (kiln-frame-<number>-<probe colour>) and each reload event (kiln-reload) reached the page.
    if (process.env.KILN_BENCH_TRACE) {
      await page.evaluate('window.__kilnBench.trace = true');
      await browser.startTracing(page, { categories: ['devtools.timeline', 'toplevel', 'blink.user_timing', 'v8.execute'] });
    }
    for (let i = -3; i < edits; i++) { // three warm-up edits: compiler binaries and headers in the page cache
      const colour = nextColour(f);
      source = withColour(source, f, colour);
      await goToLine(page, line);
      await page.keyboard.press('Shift+End');
      await page.keyboard.insertText(source.split('\n')[line - 1]);
      await page.evaluate('(() => { const k = window.__kilnBench; k.keys = []; k.sends = []; k.reloads = []; k.frames = []; k.draws = []; k.longTasks = []; k.rafs = []; })()');
      await pressSave(page);
      const shown = await page
        // A function, not a string: the page's policy forbids eval.
        .waitForFunction((c) => {
          const k = (globalThis as unknown as { __kilnBench: PageLog }).__kilnBench;
          return k.draws.some((d) => d[1] === c) && k.reloads.length > 0;
        }, colour, { timeout: 20_000, polling: 20 })
        .then(() => true, (err: Error) => (process.env.KILN_BENCH_DEBUG && log(`    wait: ${err.message.split("\n")[0]}`), false));
      const pageLog = (await page.evaluate('window.__kilnBench')) as PageLog;
      // The bare compiler on the same file as saved, right after the save: each edit has its pair.
      const b = await bareCompile(paths, f, cc, dir, outDir);
      if (i < 0) continue;
      const reload = pageLog.reloads.map(([, raw]) => reloadOf(raw)).find((e) => e?.plugin === f.plugin && e.trigger === 'save') ?? null;
      const key = pageLog.keys[0];
      const send = pageLog.sends.find((t) => t >= key);
      const arrived = pageLog.frames.find(([, , p]) => p === colour);
      const drawn = pageLog.draws.find(([, p]) => p === colour);
      if (!shown || !reload || key === undefined || send === undefined || !arrived || !drawn) {
        if (process.env.KILN_BENCH_DEBUG) log(`    edit ${i} failed: shown ${shown} reload ${!!reload} key ${key} send ${send} arrived ${!!arrived} drawn ${!!drawn}; reloads ${pageLog.reloads.length}, draws ${pageLog.draws.length} last ${pageLog.draws.at(-1)?.[1].toString(16)} want ${colour.toString(16)}`);
        failures++;
        continue;
      }
      const steps = reloadSteps(reload.timings.hops);
      if (!steps) {
        failures++;
        continue;
      }
      bare.push(b);
      const { frameSentMs, ...backendSteps } = steps;
      const backend = reload.at; // whole ms: the hops on either side of it carry its rounding (< 0.5 ms)
      if (process.env.KILN_BENCH_DEBUG) {
        const sent = backend + frameSentMs;
        const busy = pageLog.longTasks.filter(([t, d]) => t + d > key && t < arrived[0]).map(([t, d]) => `${(t - key).toFixed(0)}+${d.toFixed(0)}`);
        const rafsAfter = pageLog.rafs.filter((t) => t >= arrived[0] && t <= drawn[0] + 0.01).map((t) => (t - arrived[0]).toFixed(1));
        const gaps = pageLog.rafs.slice(1).map((t, k) => t - pageLog.rafs[k]).sort((a, b) => a - b);
        log(`    edit ${i}: animation frames after the frame arrived until its draw (ms): ${rafsAfter.join(' ')}; frame gaps p50 ${gaps[gaps.length >> 1]?.toFixed(1)} max ${gaps.at(-1)?.toFixed(1)}`);
        log(`    edit ${i}: frame ${arrived[1]} sent ${sent.toFixed(1)} page ${arrived[0].toFixed(1)}: key→sent ${(sent - key).toFixed(1)}, sent→page ${(arrived[0] - sent).toFixed(1)} ms; long tasks (ms after key + duration): ${busy.join(' ') || 'none'}; reload events at ${pageLog.reloads.map(([t]) => (t - arrived[0]).toFixed(1)).join(' ')} ms from the frame; rafs ${pageLog.rafs.filter((t) => t > arrived[0] - 40 && t < arrived[0] + 20).map((t) => (t - arrived[0]).toFixed(1)).join(' ')}`);
      }
      hops.push({
        keyToPaint: drawn[0] - key,
        keyToSend: send - key,
        sendToBackend: backend - send,
        ...backendSteps,
        frameSentToPage: arrived[0] - (backend + frameSentMs),
        pageToPainted: drawn[0] - arrived[0],
      });
    }
    if (process.env.KILN_BENCH_TRACE) writeFileSync(process.env.KILN_BENCH_TRACE, await browser.stopTracing());
  } finally {
    await browser?.close().catch(() => undefined);
    if (shell) await stopWebShell(shell);
    if (shell && process.env.KILN_BENCH_DEBUG) log(shell.output().split('\n').filter((l) => /relay|frame|runner/i.test(l)).join('\n'));
    rmSync(dir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
  const key = `${f.id}.${cc}`;
  const label = `${f.id}, ${compilerLabel(cc)}`;
  const seen = hops.map((h) => h.keyToPaint);
  const minusBare = hops.map((h, i) => h.keyToPaint - bare[i]);
  // Kiln's part without pairing two compiles: the same edit's own compile step taken out (its spawn stays in).
  const minusOwnCompile = hops.map((h) => h.keyToPaint - h.compile);
  const figures: Figure[] = [
    sampled(`browser.${key}`, 9, `Ctrl+S → painted canvas in Chromium (the user's view): ${label}`, 'ms', seen),
    sampled(`browserBare.${key}`, 9, `  bare compiler, same file + flags, ${label}`, 'ms', bare),
    withTarget(sampled(`browserOverhead.${key}`, 9, `  Ctrl+S → painted − bare compiler (paired), ${label}`, 'ms', minusBare),
      'Ctrl+S → painted minus the bare compile: p50 ≤ 17 ms, p95 ≤ 30 ms', [{ on: 'p50', limit: 17 }, { on: 'p95', limit: 30 }]),
    sampled(`browserBesideCompile.${key}`, 9, `  Ctrl+S → painted − that edit's own compile step, ${label}`, 'ms', minusOwnCompile,
      'every hop but the compiler\'s run: no second compile paired with it, so none of its noise'),
  ];
  const breakdown = stepsP50(hops.map(({ keyToPaint: _, ...rest }) => rest));
  log(`  ${label}: Ctrl+S → painted p50 ${figures[0].stats?.p50} ms (bare ${figures[1].stats?.p50} ms), ${hops.length} edits, ${failures} failed`);
  log(`    hops p50 (ms): ${formatSteps(breakdown)}`);
  return { figures, details: { edits: hops.length, failures, breakdownP50: breakdown, hops } };
}

/**
 * §16 A game key → the painted frame that answers it: pong in the web shell in Chromium, the game canvas focused, W and
 * S pressed in turn as a person presses them (held 120 ms, a random 0-17 ms of wait first so the key falls anywhere in
 * the runner's and the page's frames). The page times the key-down and, in every canvas draw, the top row of pong's
 * left paddle (column 9, PADDLE_COLOR); the figure is the key-down to the first draw with the paddle moved. It covers
 * the key's trip (the page's input request over the WebSocket, the back end, the runner's IPC), the wait for the
 * runner's next tick, the frame's trip to the page and the wait for the page's next animation frame.
 */
export async function browserInputToPaint(paths: KilnPaths, f: Fixture, presses: number, log: (s: string) => void): Promise<BrowserResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`§16 needs Chromium at ${CHROMIUM}: apt-get install chromium (scripts/setup.sh does it)`);
  const dir = tempProject(f, 'tcc');
  let shell: WebShell | null = null;
  let browser: Browser | null = null;
  const latencies: number[] = [];
  let failures = 0;
  try {
    shell = await startWebShell(dir);
    browser = await launchChromium();
    const page = await openInstrumented(browser, shell.url);
    await page.locator('[data-testid="game-canvas"]').click(); // keys go to the game while it has focus
    await page.evaluate(`window.__kilnBench.column = [9, ${PADDLE_COLOR}]`);
    await page.waitForTimeout(1000);
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    for (let i = -3; i < presses; i++) {
      const key = i % 2 === 0 ? 'w' : 's';
      await wait(Math.random() * 17);
      await page.evaluate('(() => { const k = window.__kilnBench; k.gameKeys = []; k.tops = k.tops.slice(-1); })()');
      await page.keyboard.down(key);
      await wait(120);
      await page.keyboard.up(key);
      await wait(300);
      const { gameKeys, tops } = (await page.evaluate('window.__kilnBench')) as { gameKeys: number[]; tops: Array<[number, number]> };
      if (i < 0) continue;
      const down = gameKeys[0];
      const before = tops.filter(([t]) => t < down).at(-1)?.[1];
      const moved = tops.find(([t, top]) => t > down && top >= 0 && top !== before);
      if (down === undefined || before === undefined || before < 0 || !moved) {
        failures++;
        if (process.env.KILN_BENCH_DEBUG) log(`    press ${i} (${key}) failed: key ${down} before ${before} draws ${tops.length}`);
        continue;
      }
      latencies.push(moved[0] - down);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    if (shell) await stopWebShell(shell);
    rmSync(dir, { recursive: true, force: true });
  }
  const figures: Figure[] = [sampled('input.pong.key', 16, 'a game key (W/S, held 120 ms) → the first painted canvas with pong\'s paddle moved', 'ms', latencies)];
  log(`  pong: key → paddle moved on the canvas p50 ${figures[0].stats?.p50} ms, p95 ${figures[0].stats?.p95} ms, ${latencies.length} presses, ${failures} failed`);
  return { figures, details: { presses: latencies.length, failures, latencies } };
}

/** pong.c's PADDLE_COLOR as the page reads a pixel (RGBA, big-endian). */
const PADDLE_COLOR = 0x4fc3f7ff;
