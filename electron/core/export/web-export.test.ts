/**
 * The web export of world games and of sound: asteroids (three KILN_SYSTEM plugins sharing libkiln's world storage)
 * plays the runner's first frames in Chromium with the same keys, and so do two Zig plugins in one module; a symbol
 * two plugins define names both; breakout's sound files and pong's tones start in the page once the click-to-focus
 * overlay was clicked, through the editor's Web Audio player.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKilnRoot, kilnPaths } from '../paths';
import { Project } from '../project';
import { exportGame, ExportError } from './export-game';
import { closeBrowser, differingPixels, framesDifferingFromRunner, openPage, runnerFrames } from './frame-check';
import { serveFolder } from './static-server';

const paths = kilnPaths(findKilnRoot(__dirname));
const FRAMES = 120;
const KEY_SPACE = 32;
const KEY_LEFT = 258;
const KEY_UP = 256;

/** A second Zig plugin: a box in the corner that grows with its own frame counter. */
const BADGE_ZIG = `const k = @cImport({
    @cDefine("KILN_NO_SHORT_NAMES", "1");
    @cInclude("kiln.h");
});
const State = extern struct { frames: u32 };
var host: *const k.kiln_host = undefined;
fn update(s: ?*anyopaque, dt: f32) callconv(.C) void {
    _ = dt;
    const st: *State = @ptrCast(@alignCast(s.?));
    st.frames += 1;
}
fn draw(s: ?*anyopaque) callconv(.C) void {
    const st: *State = @ptrCast(@alignCast(s.?));
    const w: i32 = 8 + @as(i32, @intCast(st.frames % 32));
    host.fill_rect.?(310 - w, 160, w, 14, 0xFF4081FF);
}
const descriptor = k.kiln_plugin{
    .abi_version = k.KILN_ABI_VERSION, .name = "badge", .state_size = @sizeOf(State), .state_version = 1,
    .fields = null, .field_count = 0, .init = null, .update = update, .draw = draw, .on_reload = null,
    .migrate = null, .shutdown = null,
};
export fn kiln_plugin_entry(h: ?*const k.kiln_host) callconv(.C) ?*const k.kiln_plugin {
    host = h.?;
    return &descriptor;
}
`;

let tmp: string;
async function example(name: string): Promise<Project> {
  const dir = path.join(tmp, name);
  await fs.cp(path.join(paths.root, 'plugins', name), dir, { recursive: true, filter: (s) => !s.includes('.kiln') && !s.includes(`${path.sep}export`) });
  return Project.open(dir);
}

/** Each phase's time in the test's output: a run that reaches the test's own limit shows the phases it finished. */
async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    console.info(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-web-export-'));
});

afterAll(async () => {
  await closeBrowser();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('web export of a world game', () => {
  it('asteroids: three systems in their phases play the runner\'s first 120 frames in Chromium, with the same keys', async () => {
    const project = await example('asteroids');
    // thrust and turn, then fire: the ship, bullets and rocks all move through the world
    const keys = { 5: [[KEY_UP, true], [KEY_LEFT, true]], 40: [[KEY_LEFT, false], [KEY_SPACE, true]], 70: [[KEY_SPACE, false], [KEY_UP, false]] } as Record<number, [number, boolean][]>;
    const runner = await phase('runner frames', () => runnerFrames(paths, project, tmp, FRAMES, keys, 'asteroids'));
    const report = await phase('web export', () => exportGame({ project, paths, target: 'web', dir: path.join(tmp, 'asteroids-web') }));
    const site = await serveFolder(report.dir);
    try {
      const page = await phase('page', () => openPage(`${site.url}index.html?manual`));
      const differing = await phase('page frames', () => framesDifferingFromRunner(page, runner, keys));
      expect(differing, '[frame, pixels] where the web export differs from the runner').toEqual([]);
      // the game moved: the last frame is not the first, and the keys changed it (the runner's own run without keys differs)
      expect(differingPixels(runner[0], runner[FRAMES - 1])).toBeGreaterThan(0);
      const still = await phase('runner frames without keys', () => runnerFrames(paths, project, tmp, FRAMES, {}, 'asteroids-still'));
      expect(differingPixels(still[FRAMES - 1], runner[FRAMES - 1])).toBeGreaterThan(0);
    } finally {
      await site.close();
    }
  }, 900_000); // the first web export on a machine fills Zig's cache (minutes on a busy 2-core machine)
});

describe('web export of several plugins in one module', () => {
  it('names both plugins and the symbol when two define the same global function', async () => {
    const dir = path.join(tmp, 'twins');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'kiln.json'), JSON.stringify({ name: 'twins', plugins: [{ name: 'one', sources: ['one.c'] }, { name: 'two', sources: ['two.c'] }] }));
    for (const [name, add] of [['one', 1], ['two', 2]] as const) {
      await fs.writeFile(path.join(dir, `${name}.c`), `#include "kiln.h"\nint shared_helper(int x) { return x + ${add}; }\nKILN_PLUGIN(.name = "${name}", .state_size = 4, .state_version = 1)\n`);
    }
    const failure = await exportGame({ project: await Project.open(dir), paths, target: 'web', dir: path.join(dir, 'out') }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExportError);
    expect((failure as ExportError).problems).toEqual([
      expect.objectContaining({ plugin: 'one', symbol: 'shared_helper', message: expect.stringMatching(/as two does.*static/) }),
      expect.objectContaining({ plugin: 'two', symbol: 'shared_helper', message: expect.stringMatching(/as one does/) }),
    ]);
  }, 300_000);
});

describe('web export of several Zig plugins', () => {
  it('zig-orbit plus a second Zig plugin: each keeps its own entry and state, and they play the runner\'s frames', async () => {
    const project = await example('zig-orbit');
    // a second Zig plugin drawn after orbit: its own `export fn kiln_plugin_entry`, its own state
    await fs.writeFile(path.join(project.root, 'badge.zig'), BADGE_ZIG);
    const config = JSON.parse(await fs.readFile(path.join(project.root, 'kiln.json'), 'utf8'));
    config.plugins.push({ name: 'badge', sources: ['badge.zig'] });
    await fs.writeFile(path.join(project.root, 'kiln.json'), JSON.stringify(config));
    const twoZig = await Project.open(project.root);
    const runner = await runnerFrames(paths, twoZig, tmp, 60, {}, 'zig');
    const report = await exportGame({ project: twoZig, paths, target: 'web', dir: path.join(tmp, 'zig-web') });
    const site = await serveFolder(report.dir);
    try {
      const page = await openPage(`${site.url}index.html?manual`);
      expect(await framesDifferingFromRunner(page, runner, {}), '[frame, pixels] where the web export differs from the runner').toEqual([]);
      // both drew: orbit's background and the badge's box (the badge's counter is in its own state)
      const last = runner[59];
      const at = (x: number, y: number) => [...last.subarray((y * 320 + x) * 4, (y * 320 + x) * 4 + 3)];
      expect(at(300, 170)).toEqual([0xff, 0x40, 0x81]);
      expect(at(5, 100)).toEqual([0x0b, 0x10, 0x20]);
    } finally {
      await site.close();
    }
  }, 900_000);
});

describe('web export with sound', () => {
  it('breakout: after the click to play, space serves and the hits are heard (sound files from the export\'s assets)', async () => {
    const copy = await example('breakout');
    // libkiln's rules on the web too: a text file named .wav, a path out of the folder, "./a" and "a" one file
    await fs.writeFile(path.join(copy.root, 'sounds', 'broken.wav'), 'not a sound at all, just text');
    await fs.writeFile(path.join(copy.root, 'checks.c'), `#include "kiln.h"
typedef struct { int frames; } S;
static void update(void *p, float dt) { S *s = p; (void)dt; if (s->frames++ % 30) return;
  sound_load("sounds/broken.wav"); sound_load("../outside.wav");
  log_printf("same handle: %d", sound_load("./sounds//paddle.wav") == sound_load("sounds/paddle.wav")); }
KILN_PLUGIN(.name = "checks", .state_size = sizeof(S), .state_version = 1, .update = update)
`);
    const config = JSON.parse(await fs.readFile(path.join(copy.root, 'kiln.json'), 'utf8'));
    config.plugins.push({ name: 'checks', sources: ['checks.c'] });
    await fs.writeFile(path.join(copy.root, 'kiln.json'), JSON.stringify(config));
    const project = await Project.open(copy.root);
    const report = await exportGame({ project, paths, target: 'web', dir: path.join(tmp, 'breakout-web') });
    expect(report.files.map((f) => f.path)).toEqual(expect.arrayContaining(['assets/sounds/paddle.wav', 'assets/sounds/wall.wav']));
    const site = await serveFolder(report.dir);
    try {
      const page = await openPage(site.url);
      const logged: string[] = [];
      page.on('console', (m) => logged.push(m.text()));
      await page.waitForSelector('body[data-ready="1"]');
      await expect.poll(() => logged.join('\n'), { timeout: 30_000 }).toContain('same handle: 1');
      const log = logged.join('\n');
      expect(log).toContain('sound_load("sounds/broken.wav") refused: it is neither a WAV');
      expect(log).toContain('sound_load("../outside.wav") refused: it leaves the project folder');
      const stats = () => page.evaluate('({ ...window.kilnSound })') as Promise<{ started: number; plays: number; reads: number; errors: number; context: string }>;
      expect((await stats()).context).toBe('none'); // no gesture yet: Chromium's autoplay rule
      await page.getByRole('button', { name: 'Click to play' }).click();
      await expect.poll(async () => (await stats()).context, { timeout: 30_000 }).toBe('running');
      await page.keyboard.press('Space');
      // the ball flies into the walls and bricks: each hit starts a sound file decoded from assets/sounds
      await expect.poll(async () => (await stats()).plays, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
      const after = await stats();
      expect(after.errors).toBe(0);
      expect(after.reads).toBeGreaterThanOrEqual(1);
    } finally {
      await site.close();
    }
  }, 900_000);

  it('pong: its sfx_tone bounces are synthesized in the page after the click, none before it', async () => {
    const project = await example('pong');
    const report = await exportGame({ project, paths, target: 'web', dir: path.join(tmp, 'pong-web') });
    const site = await serveFolder(report.dir);
    try {
      const page = await openPage(site.url);
      await page.waitForSelector('body[data-ready="1"]');
      const stats = () => page.evaluate('({ ...window.kilnSound })') as Promise<{ tones: number; skipped: number }>;
      // the ball bounces before anyone clicked: those tones are skipped (no AudioContext yet), never played late
      await expect.poll(async () => (await stats()).skipped, { timeout: 60_000 }).toBeGreaterThan(0);
      expect((await stats()).tones).toBe(0);
      await page.getByRole('button', { name: 'Click to play' }).click();
      await expect.poll(async () => (await stats()).tones, { timeout: 60_000 }).toBeGreaterThan(0);
    } finally {
      await site.close();
    }
  }, 900_000);
});
