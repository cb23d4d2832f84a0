/**
 * §15 Art reload (issue 13): an image the running game draws is replaced on disk (written beside it and renamed
 * over it, as image editors save) → the first painted canvas in Chromium that shows the new pixels. The page is
 * instrumented as in §9 (browser.ts's INSTRUMENT: frames arriving, putImageData); the reload log's entry with
 * trigger 'asset' gives the hops: file written → watcher saw it → image decoded and swapped in the runner.
 */
import { chromium, type Browser } from '@playwright/test';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { ReloadEvent } from '../electron/shared/contract';
import { startWebShell, stopWebShell, type WebShell } from '../e2e/web-shell';
import { editorReady, INSTRUMENT } from './browser';
import { sampled, type Figure } from './figures';
import { summarise } from './stats';

const CHROMIUM = '/usr/bin/chromium';
const SIZE = 16;

/** A SIZE x SIZE PNG of one colour (0xRRGGBB), opaque. */
function solidPng(rgb: number): Buffer {
  const png = new PNG({ width: SIZE, height: SIZE });
  for (let i = 0; i < SIZE * SIZE; i++) {
    png.data[i * 4] = (rgb >> 16) & 0xff;
    png.data[i * 4 + 1] = (rgb >> 8) & 0xff;
    png.data[i * 4 + 2] = rgb & 0xff;
    png.data[i * 4 + 3] = 0xff;
  }
  return PNG.sync.write(png);
}

interface PageLog { frames: Array<[number, number, number]>; draws: Array<[number, number]>; reloads: Array<[number, string]> }

export async function assetReloadLatency(changes: number, log: (s: string) => void): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-art-'));
  mkdirSync(path.join(dir, 'art'));
  writeFileSync(path.join(dir, 'kiln.json'), JSON.stringify({ name: 'art', width: 64, height: 64, plugins: [{ name: 'tile', sources: ['tile.c'] }] }));
  writeFileSync(path.join(dir, 'tile.c'), `#include "kiln.h"
typedef struct { int image; } S;
static void init(void *p) { S *s = p; s->image = image_load("art/tile.png"); }
static void draw(void *p) { S *s = p; clear(0x000000FF); draw_sprite(s->image, 0, 0); }
KILN_PLUGIN(.name = "tile", .state_size = sizeof(S), .state_version = 1, .init = init, .draw = draw)
`);
  const file = path.join(dir, 'art', 'tile.png');
  writeFileSync(file, solidPng(0x102030));
  let shell: WebShell | null = null;
  let browser: Browser | null = null;
  const seen: number[] = [];
  const hops: Array<{ toWatcher: number; decodeAndSwap: number; toPage: number; toPainted: number }> = [];
  let failures = 0;
  try {
    shell = await startWebShell(dir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.addInitScript(INSTRUMENT);
    await page.goto(shell.url);
    await editorReady(page);
    await page.evaluate(`window.__kilnBench.probe = [${SIZE / 2}, ${SIZE / 2}]`);
    for (let i = -3; i < changes; i++) { // three warm-up changes
      const rgb = 0x200000 + ((i + 4) * 0x010305) % 0xdfffff;
      const want = ((rgb << 8) | 0xff) >>> 0;
      await page.evaluate('(() => { const k = window.__kilnBench; k.reloads = []; k.frames = []; k.draws = []; })()');
      const tmp = path.join(dir, 'art', `.tile.png.${i + 4}`);
      writeFileSync(tmp, solidPng(rgb));
      const written = performance.timeOrigin + performance.now();
      renameSync(tmp, file);
      const shown = await page
        .waitForFunction((c) => {
          const k = (globalThis as unknown as { __kilnBench: PageLog }).__kilnBench;
          return k.draws.some((d) => d[1] === c) && k.reloads.some((r) => r[1].includes('"trigger":"asset"'));
        }, want, { timeout: 20_000, polling: 20 })
        .then(() => true, () => false);
      const pageLog = (await page.evaluate('window.__kilnBench')) as PageLog;
      await page.waitForTimeout(150); // the watcher's write-finish window passes before the next change
      if (i < 0) continue;
      const reload = pageLog.reloads.map(([, raw]) => (JSON.parse(raw) as { payload?: ReloadEvent }).payload).find((e) => e?.trigger === 'asset');
      const arrived = pageLog.frames.find(([, , p]) => p === want);
      const drawn = pageLog.draws.find(([, p]) => p === want);
      if (!shown || !reload || !arrived || !drawn) {
        failures++;
        continue;
      }
      seen.push(drawn[0] - written);
      const swapped = reload.at + (reload.timings.totalMs ?? NaN);
      hops.push({ toWatcher: reload.at - written, decodeAndSwap: reload.timings.totalMs ?? NaN, toPage: arrived[0] - swapped, toPainted: drawn[0] - arrived[0] });
    }
  } finally {
    await browser?.close().catch(() => undefined);
    if (shell) await stopWebShell(shell);
    rmSync(dir, { recursive: true, force: true });
  }
  const p50 = (k: keyof (typeof hops)[0]) => summarise(hops.map((h) => h[k])).p50;
  const breakdown = { toWatcher: p50('toWatcher'), decodeAndSwap: p50('decodeAndSwap'), toPage: p50('toPage'), toPainted: p50('toPainted') };
  const figures = [sampled('asset.reload.painted', 15, 'an image replaced on disk (rename over it) → the painted canvas shows it (Chromium)', 'ms', seen)];
  log(`  file renamed → painted p50 ${figures[0].stats?.p50} ms; hops p50: to the watcher ${breakdown.toWatcher}, decode + swap ${breakdown.decodeAndSwap}, to the page ${breakdown.toPage}, painted ${breakdown.toPainted}; ${failures} failed`);
  return { figures, details: { breakdownP50: breakdown, failures, samples: seen } };
}
