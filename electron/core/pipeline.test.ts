/** The build pipeline under pressure and across plugins, with real compilers and the real runner. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBackends, copyExample, openTestBackend, pixelAt, writeProject } from './test-support';

/** A plugin that paints the top-left pixel with a colour fixed at compile time, at row `row`. */
const painter = (name: string, color: string, row: number, include = '') => `#include "kiln.h"
${include}
static void draw(void *s) { (void)s; fill_rect(0, ${row}, 4, 1, ${color}); }
KILN_PLUGIN(.name = "${name}", .state_size = 4, .state_version = 1, .draw = draw)
`;

const open = (dir: string) => openTestBackend(dir);
const tempProject = (files: Record<string, string>) => writeProject(files, 'kiln-pipeline-');
/** RGB of pixel (0, row) in the newest frame. */
const pixel = (backend: Parameters<typeof pixelAt>[0], row: number) => pixelAt(backend, 0, row);

afterEach(closeTestBackends);

describe('a burst of saves', () => {
  it('100 saves in a second end with the last source running; the log counts the folded saves', async () => {
    const dir = tempProject({
      // gcc (~60 ms a build) so that saves every 10 ms really do outrun the builds.
      'kiln.json': JSON.stringify({ name: 'burst', width: 16, height: 16, plugins: [{ name: 'p', sources: ['p.c'] }], build: { compiler: 'gcc' } }),
      'p.c': painter('p', '0x000000FF', 0),
    });
    const { backend, events } = await open(dir);
    const pending: Array<Promise<unknown>> = [];
    for (let i = 1; i <= 100; i++) {
      pending.push(backend.save('p.c', painter('p', `0x0000${i.toString(16).padStart(2, '0')}FF`, 0)));
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(pending);
    await backend.idle();
    expect(await pixel(backend, 0)).toBe(100); // blue = 100: the newest source runs
    const saves = events.filter((e) => e.trigger === 'save');
    expect(saves.length).toBeLessThan(100);
    expect(saves.length + saves.reduce((n, e) => n + (e.savesFolded ?? 0), 0)).toBe(100);
    // Versions only go up: no older build ever replaced a newer one.
    const versions = saves.filter((e) => e.outcome === 'ok').map((e) => e.version!);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(saves.at(-1)).toMatchObject({ outcome: 'ok' });
  });
});

describe('several plugins', () => {
  it('a header shared by two plugins rebuilds both, and not the plugin that does not include it', async () => {
    const dir = tempProject({
      'kiln.json': JSON.stringify({
        name: 'three',
        width: 16,
        height: 16,
        plugins: [
          { name: 'a', sources: ['a.c'] },
          { name: 'b', sources: ['b.c'] },
          { name: 'c', sources: ['c.c'] },
        ],
      }),
      'shared.h': '#define SHARED_COLOR 0x000011FF\n',
      'a.c': painter('a', 'SHARED_COLOR', 0, '#include "shared.h"'),
      'b.c': painter('b', 'SHARED_COLOR', 1, '#include "shared.h"'),
      'c.c': painter('c', '0x000033FF', 2),
    });
    const { backend, events } = await open(dir);
    expect(events.map((e) => `${e.plugin}:${e.outcome}`).sort()).toEqual(['a:ok', 'b:ok', 'c:ok']);
    expect(await pixel(backend, 1)).toBe(0x11);
    await backend.save('shared.h', '#define SHARED_COLOR 0x000022FF\n');
    await backend.idle();
    const rebuilt = events.filter((e) => e.trigger === 'save').map((e) => e.plugin).sort();
    expect(rebuilt).toEqual(['a', 'b']);
    expect(await pixel(backend, 0)).toBe(0x22);
    expect(await pixel(backend, 1)).toBe(0x22);
    expect(await pixel(backend, 2)).toBe(0x33);
    // Each plugin keeps its own version.
    await backend.save('c.c', painter('c', '0x000044FF', 2));
    await backend.idle();
    expect(backend.session().versions).toEqual({ a: 2, b: 2, c: 2 });
  });
});

describe('Zig plugins', () => {
  it('the Zig example builds, runs, and reloads an edit', async () => {
    const { backend, events, dir } = await open(copyExample('zig-orbit'));
    expect(events.at(-1)).toMatchObject({ plugin: 'orbit', outcome: 'ok', version: 1 });
    expect(events.at(-1)!.compiler).toMatch(/zig 0\.11/);
    const source = readFileSync(path.join(dir, 'orbit.zig'), 'utf8');
    expect(await pixel(backend, 0)).toBe(0x0b1020);
    await backend.save('orbit.zig', source.replace('BACKGROUND_COLOR: u32 = 0x0B1020FF', 'BACKGROUND_COLOR: u32 = 0x203040FF'));
    await backend.idle();
    expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 2 });
    expect(await pixel(backend, 0)).toBe(0x203040);
    // A Zig compile error maps to the file and line.
    await backend.save('orbit.zig', source.replace('st.laps += 1;', 'st.laps += oops;'));
    await backend.idle();
    expect(events.at(-1)).toMatchObject({ outcome: 'compile-error', version: 2 });
    expect(events.at(-1)!.diagnostics[0]).toMatchObject({ file: 'orbit.zig', line: source.split('\n').findIndex((l) => l.includes('st.laps += 1;')) + 1 });
  }, 240_000); // the first Zig build on a machine fills Zig's cache (~25 s, longer on a busy one)
});

describe('where a reload spent its time', () => {
  it('a save\'s log entry has every step, from the build starting to its first frame leaving the runner, in order', async () => {
    const dir = tempProject({
      'kiln.json': JSON.stringify({ name: 'hops', width: 16, height: 16, plugins: [{ name: 'p', sources: ['p.c'] }] }),
      'p.c': painter('p', '0x000000FF', 0),
    });
    const { backend, events } = await open(dir);
    await backend.save('p.c', painter('p', '0x00002AFF', 0));
    await backend.idle();
    const entry = events.filter((e) => e.trigger === 'save').at(-1)!;
    expect(entry.outcome).toBe('ok');
    const h = entry.timings.hops!;
    // The back end's steps, then the runner's (another clock: compared among themselves).
    const backendSteps = [h.buildStartMs, h.compilerSpawnMs, h.compilerExitMs, h.imageReadyMs, h.loadSentMs, h.loadReplyMs!];
    const runnerSteps = [h.runnerLoadStartMs!, h.runnerLoadDoneMs!, h.firstFrameMs!, h.frameSentMs!];
    for (const steps of [backendSteps, runnerSteps]) {
      for (const v of steps) expect(Number.isFinite(v) && v >= 0).toBe(true);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
    }
    expect(h.compilerExitMs - h.compilerSpawnMs).toBeGreaterThanOrEqual(entry.timings.compileMs! - 0.02); // it holds the compile the log reports
    expect(entry.timings.firstFrameMs).toBe(h.firstFrameMs);
    expect(h.firstFrameMs!).toBeLessThanOrEqual(entry.timings.totalMs! + 5);
  });
});

describe('the status the editor hears', () => {
  const slow = (src: string) => src + Array.from({ length: 2000 }, (_, k) => `int pad${k}(int x) { return x * ${k} + ${k}; }\n`).join('');
  it("a build that lasts says 'building'; a finished one is never followed by a late 'building' or 'loading'", async () => {
    const dir = tempProject({
      // gcc on 2,000 more functions (well over 100 ms a build): longer than the 30 ms a build runs before the page
      // hears of it.
      'kiln.json': JSON.stringify({ name: 'status', width: 16, height: 16, plugins: [{ name: 'p', sources: ['p.c'] }], build: { compiler: 'gcc' } }),
      'p.c': slow(painter('p', '0x000000FF', 0)),
    });
    const { backend } = await open(dir);
    const heard: string[] = [];
    backend.on('status', (s) => heard.push(s.state));
    for (let i = 1; i <= 5; i++) {
      await backend.save('p.c', slow(painter('p', `0x0000${i.toString(16).padStart(2, '0')}FF`, 0)));
      await backend.idle();
      await new Promise((r) => setTimeout(r, 100)); // longer than any transient status waits
      expect(heard.at(-1)).toBe('ok');
    }
    expect(heard).toContain('building');
    expect(await pixel(backend, 0)).toBe(5);
  });
});
