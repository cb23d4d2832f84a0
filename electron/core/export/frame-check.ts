/**
 * For the export tests: a game's frames as the runner process makes them (stepped-run.ts: every plugin of kiln.json
 * in its order, fixed 1/60 s steps, the default seed) and as an exported page makes them (kiln-web.js's ?manual
 * hooks), so the two can be compared frame by frame.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { KilnPaths } from '../paths';
import type { Project } from '../project';
import { runStepped } from '../stepped-run';

/** Keys by frame number: [key code, down]. */
export type KeysByFrame = Record<number, [number, boolean][]>;

/** The runner process's first `frames` frames (RGBA) of `project` (its stepped mode); its files go in `tmp`. */
export async function runnerFrames(paths: KilnPaths, project: Project, tmp: string, frames: number, keys: KeysByFrame, run: string): Promise<Uint8Array[]> {
  const stepped = await runStepped({ project, paths, frames, keys, workDir: path.join(tmp, `runner-${run}`) });
  return stepped.map((f) => f.pixels);
}

/** Starting Chromium, loading the page, one frame's step and hash: seconds at most on a loaded 2-core machine. */
const PAGE_MS = 60_000;

/** `work`, or a rejection naming `what` once `ms` passed without it (a page that stops answering is named, not waited on). */
function bounded<T>(work: Promise<T>, ms: number, what: string, page?: Page): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const log = () => (page ? `; page log:\n${pageLog(page)}` : '');
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`page: ${what} did not finish in ${ms / 1000} s${log()}`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

let browser: Browser | undefined;
/** What each page printed or threw (its console errors and uncaught exceptions): the message of a page that stalls. */
const pageLogs = new WeakMap<Page, string[]>();
const pageLog = (page: Page) => (pageLogs.get(page) ?? []).slice(-10).join('\n') || '(nothing)';

/** A page of Debian's Chromium (one browser for the test file; closeBrowser at the end). */
export async function openPage(url: string): Promise<Page> {
  browser ??= await chromium.launch({ executablePath: process.env.KILN_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=user-gesture-required'], timeout: PAGE_MS });
  const page = await bounded(browser.newPage(), PAGE_MS, 'opening a tab in Chromium');
  const log: string[] = [];
  pageLogs.set(page, log);
  page.on('console', (m) => m.type() === 'error' && log.push(`[console] ${m.text()}`));
  page.on('pageerror', (err) => log.push(`[pageerror] ${err.message}`));
  page.on('crash', () => log.push('[crash] the page crashed'));
  await page.goto(url, { timeout: PAGE_MS });
  return page;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

/**
 * Steps the exported page (opened with ?manual) through the runner's frames with the same keys and returns
 * [frame, differing pixels] for each frame that differs. The page hashes its frames; only a differing frame's
 * pixels cross over (120 whole frames as JSON take minutes on a busy machine). One evaluate per frame, each
 * bounded, so a stall names its frame.
 */
export async function framesDifferingFromRunner(page: Page, runner: Uint8Array[], keys: KeysByFrame, frameMs = PAGE_MS): Promise<[number, number][]> {
  await page.waitForSelector('body[data-ready="1"]', { timeout: PAGE_MS }).catch((err: Error) => {
    throw new Error(`page: the exported game did not start (no body[data-ready]) in ${PAGE_MS / 1000} s: ${err.message}\npage log:\n${pageLog(page)}`);
  });
  const differing: [number, number][] = [];
  for (let f = 1; f <= runner.length; f++) {
    const hash = createHash('sha256').update(runner[f - 1]).digest('hex');
    // page code as text: this file is type-checked for Node, which has no DOM types
    const b64: string | null = await bounded(
      page.evaluate(`(async (keys, hash) => {
        const game = window.kilnGame;
        for (const [key, down] of keys) game.setKey(key, down);
        game.step(1);
        const px = new Uint8Array(game.pixels());
        const digest = await crypto.subtle.digest('SHA-256', px);
        const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
        if (hex === hash) return null;
        let bin = '';
        for (let i = 0; i < px.length; i += 0x8000) bin += String.fromCharCode(...px.subarray(i, i + 0x8000));
        return btoa(bin);
      })(${JSON.stringify(keys[f] ?? [])}, ${JSON.stringify(hash)})`),
      frameMs,
      `stepping and hashing frame ${f} of ${runner.length}`,
      page,
    );
    if (b64 !== null) differing.push([f, differingPixels(Buffer.from(b64, 'base64'), runner[f - 1])]);
  }
  return differing;
}

/** How many pixels of two RGBA frames differ. */
export function differingPixels(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) n++;
  return n;
}
