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

let browser: Browser | undefined;
/** A page of Debian's Chromium (one browser for the test file; closeBrowser at the end). */
export async function openPage(url: string): Promise<Page> {
  browser ??= await chromium.launch({ executablePath: process.env.KILN_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=user-gesture-required'] });
  const page = await browser.newPage();
  await page.goto(url);
  return page;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

/**
 * Steps the exported page (opened with ?manual) through the runner's frames with the same keys and returns
 * [frame, differing pixels] for each frame that differs. The page hashes its frames; only a differing frame's
 * pixels cross over (120 whole frames as JSON take minutes on a busy machine).
 */
export async function framesDifferingFromRunner(page: Page, runner: Uint8Array[], keys: KeysByFrame): Promise<[number, number][]> {
  await page.waitForSelector('body[data-ready="1"]');
  const hashes = runner.map((px) => createHash('sha256').update(px).digest('hex'));
  // page code as text: this file is type-checked for Node, which has no DOM types
  const differing: [number, string][] = await page.evaluate(`(async (hashes, keys) => {
    const game = window.kilnGame;
    const out = [];
    for (let f = 1; f <= hashes.length; f++) {
      for (const [key, down] of keys[f] ?? []) game.setKey(key, down);
      game.step(1);
      const px = new Uint8Array(game.pixels());
      const digest = await crypto.subtle.digest('SHA-256', px);
      const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      if (hex !== hashes[f - 1]) {
        let bin = '';
        for (let i = 0; i < px.length; i += 0x8000) bin += String.fromCharCode(...px.subarray(i, i + 0x8000));
        out.push([f, btoa(bin)]);
      }
    }
    return out;
  })(${JSON.stringify(hashes)}, ${JSON.stringify(keys)})`);
  return differing.map(([f, b64]) => [f, differingPixels(Buffer.from(b64, 'base64'), runner[f - 1])]);
}

/** How many pixels of two RGBA frames differ. */
export function differingPixels(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) n++;
  return n;
}
