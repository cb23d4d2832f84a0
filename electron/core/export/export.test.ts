/**
 * The exports play the runner's game: pong exported for the web runs in Debian's Chromium and its first 120 frames
 * equal the runner process's (its stepped mode: fixed 1/60 s frames) pixel for pixel, with the same seed and the same
 * keys; the standalone program's frame 120 under Xvfb equals the runner's frame 120; plugins that call what a browser
 * cannot give fail the export with the plugin and the symbol named.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKilnRoot, kilnPaths } from '../paths';
import { Project } from '../project';
import { runStepped } from '../stepped-run';
import { exportGame, ExportError } from './export-game';
import { serveFolder } from './static-server';

const paths = kilnPaths(findKilnRoot(__dirname));
const FRAMES = 120;
const KEY_W = 87;
/** Input by frame: W held from frame 10 to frame 49, so the left paddle moves up in both. */
const KEYS: Record<number, [number, boolean][]> = { 10: [[KEY_W, true]], 50: [[KEY_W, false]] };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let tmp: string;
let project: Project;
let runner: Uint8Array[];
let runnerNoInput: Uint8Array;

/** The runner's frames: the editor's runner process in its stepped mode (fixed 1/60 s steps, the default seed). */
async function runnerFrames(keys: typeof KEYS, run: string): Promise<Uint8Array[]> {
  const frames = await runStepped({ project, paths, frames: FRAMES, keys, workDir: path.join(tmp, `runner-${run}`) });
  expect(frames.map((f) => f.frame)).toEqual(Array.from({ length: FRAMES }, (_, i) => i + 1));
  return frames.map((f) => f.pixels);
}

let browser: Browser;
async function openPage(url: string): Promise<Page> {
  browser ??= await chromium.launch({ executablePath: process.env.KILN_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const page = await browser.newPage();
  await page.goto(url);
  return page;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-export-'));
  await fs.cp(paths.defaultProject, path.join(tmp, 'pong'), { recursive: true, filter: (s) => !s.includes('.kiln') && !s.includes(`${path.sep}export`) });
  project = await Project.open(path.join(tmp, 'pong'));
  runner = await runnerFrames(KEYS, 'keys');
  runnerNoInput = (await runnerFrames({}, 'still'))[FRAMES - 1];
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('web export', () => {
  it('plays the runner\'s first 120 frames pixel for pixel, in Chromium, with the same keys', async () => {
    const report = await exportGame({ project, paths, target: 'web', dir: path.join(tmp, 'web') });
    const wasm = report.files.find((f) => f.path === 'game.wasm')!;
    expect(wasm.bytes).toBeGreaterThan(1000);
    expect(report.totalBytes).toBeLessThan(300 * 1024); // pong's page, no assets
    const site = await serveFolder(report.dir);
    try {
      const page = await openPage(`${site.url}index.html?manual`);
      await page.waitForSelector('body[data-ready="1"]');
      // page code as text: this file is type-checked for Node, which has no DOM types
      const web: string[] = await page.evaluate(`(async (frames, keys) => {
        const game = window.kilnGame;
        const hashes = [];
        for (let f = 1; f <= frames; f++) {
          for (const [key, down] of keys[f] ?? []) game.setKey(key, down);
          game.step(1);
          const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(game.pixels()));
          hashes.push([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''));
        }
        return hashes;
      })(${FRAMES}, ${JSON.stringify(KEYS)})`);
      const differing = web.map((h, i) => (h === sha(runner[i]) ? -1 : i + 1)).filter((f) => f > 0);
      expect(differing, 'frames where the web export differs from the runner').toEqual([]);
      // the keys did something: the runner's frame 49 (W held) is not its frame 9
      expect(sha(runner[48])).not.toBe(sha(runner[8]));
    } finally {
      await site.close();
    }
  }, 900_000); // the first web export on a machine fills Zig's cache (minutes on a busy 2-core machine)

  it('names the plugin and the symbol when a plugin calls what the browser cannot give', async () => {
    const dir = path.join(tmp, 'bad');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'kiln.json'), JSON.stringify({ name: 'bad', plugins: [{ name: 'forker', sources: ['forker.c'] }, { name: 'ghost', sources: ['ghost.c'] }] }));
    await fs.writeFile(path.join(dir, 'forker.c'), '#include <unistd.h>\n#include "kiln.h"\nstatic void update(void *s, float dt) { (void)s; (void)dt; if (key_pressed(KEY_F)) fork(); }\nKILN_PLUGIN(.name = "forker", .state_size = 4, .state_version = 1, .update = update)\n');
    await fs.writeFile(path.join(dir, 'ghost.c'), '#include "kiln.h"\nvoid ghost_helper(int);\nstatic void update(void *s, float dt) { (void)s; (void)dt; ghost_helper(3); }\nKILN_PLUGIN(.name = "ghost", .state_size = 4, .state_version = 1, .update = update)\n');
    const bad = await Project.open(dir);
    const failure = await exportGame({ project: bad, paths, target: 'web', dir: path.join(dir, 'out') }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExportError);
    expect((failure as ExportError).problems).toEqual([expect.objectContaining({ plugin: 'forker', symbol: 'fork', file: 'forker.c', line: 3 })]);
    // without fork, the link finds the symbol nobody defines
    await fs.writeFile(path.join(dir, 'forker.c'), '#include "kiln.h"\nKILN_PLUGIN(.name = "forker", .state_size = 4, .state_version = 1)\n');
    const linkFailure = await exportGame({ project: bad, paths, target: 'web', dir: path.join(dir, 'out') }).catch((e: unknown) => e);
    expect((linkFailure as ExportError).problems).toEqual([expect.objectContaining({ plugin: 'ghost', symbol: 'ghost_helper' })]);
    expect((linkFailure as Error).message).toMatch(/ghost: ghost_helper/);
    expect(existsSync(path.join(dir, 'out', 'index.html'))).toBe(false);
  }, 300_000);
});

describe('native export', () => {
  it('writes frame 120 under xvfb-run, equal to the runner\'s frame 120', async () => {
    const report = await exportGame({ project, paths, target: 'native', dir: path.join(tmp, 'native') });
    expect(report.files.map((f) => f.path)).toEqual(expect.arrayContaining(['pong', 'libkiln.so', 'plugins/pong.so', 'game.manifest', 'README.txt']));
    // run from another folder and a copy elsewhere: $ORIGIN finds libkiln and the manifest
    const moved = path.join(tmp, 'zipped-and-sent');
    await fs.cp(report.dir, moved, { recursive: true });
    const png = path.join(tmp, 'frame120.png');
    await new Promise<void>((resolve, reject) =>
      execFile('xvfb-run', ['-a', path.join(moved, 'pong'), '--frames', String(FRAMES), '--screenshot', png], { cwd: os.tmpdir(), timeout: 120_000 }, (err, _o, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(),
      ),
    );
    // decode the PNG with the browser's decoder (no PNG library in Node here) and compare with the runner's frame
    const site = await serveFolder(tmp);
    try {
      const page = await openPage(`${site.url}frame120.png`);
      const native: number[] = await page.evaluate(`(async () => {
        const png = await (await fetch(location.href)).blob();
        const bitmap = await createImageBitmap(png, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
        const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
        ctx.drawImage(bitmap, 0, 0);
        return Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data);
      })()`);
      // --frames runs with no input: the runner's run with no input is the one to match
      expect(native.length).toBe(runnerNoInput.length);
      let differing = 0;
      for (let i = 0; i < native.length; i += 4) if ([0, 1, 2, 3].some((c) => native[i + c] !== runnerNoInput[i + c])) differing++;
      expect(differing, 'pixels of frame 120 that differ from the runner').toBe(0);
    } finally {
      await site.close();
    }
  }, 300_000);
});
