/**
 * Game controls, loop replay, project edits and outside changes, through the real back end, runner
 * and libkiln. The test game paints its frame counter into the framebuffer, so the pixels say what ran.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventPayloads } from '../shared/contract';
import type { KilnBackend } from './backend';
import { closeTestBackends, openTestBackend, pixelAt, sleep, writeProject } from './test-support';

const COUNTER = `#include "kiln.h"
typedef struct { uint32_t n; } S;
static void update(void *s, float dt) { (void)dt; ((S *)s)->n++; }
static void draw(void *s) { uint32_t n = ((S *)s)->n; clear(((n & 0xFFFFFF) << 8) | 0xFF); }
KILN_PLUGIN(.name = "counter", .state_size = sizeof(S), .state_version = 1, .update = update, .draw = draw)
`;
function start() {
  const dir = writeProject(
    { 'kiln.json': JSON.stringify({ name: 'counter', width: 16, height: 16, plugins: [{ name: 'counter', sources: ['counter.c'] }] }, null, 2), 'counter.c': COUNTER },
    'kiln-session-',
  );
  return openTestBackend(dir);
}

/** The counter value the newest frame shows. */
const counterOf = (backend: KilnBackend) => pixelAt(backend, 0, 0);

afterEach(closeTestBackends);

describe('game controls', () => {
  it('pause stops the game, step runs exactly one frame, resume goes on', async () => {
    const { backend } = await start();
    const paused = await backend.request('game.control', { action: 'pause' });
    expect(paused).toMatchObject({ paused: true });
    const stepped = (await backend.request('game.control', { action: 'step' })) as EventPayloads['session'];
    const a = await Promise.race([counterOf(backend), sleep(300).then(() => -1)]);
    expect(a).toBe(-1); // no frames while paused
    const next = (await backend.request('game.control', { action: 'step' })) as EventPayloads['session'];
    expect(next.frame).toBe(stepped.frame + 1);
    await backend.request('game.control', { action: 'resume' });
    const b = await counterOf(backend);
    await sleep(100);
    expect(await counterOf(backend)).toBeGreaterThan(b);
  });

  it('restart gives fresh state without a rebuild', async () => {
    const { backend, events } = await start();
    let n = 0; // frames, not milliseconds: a loaded machine runs fewer of them per second
    for (const t0 = Date.now(); n <= 10 && Date.now() - t0 < 60_000; ) n = await counterOf(backend);
    expect(n).toBeGreaterThan(10);
    await backend.request('game.control', { action: 'restart' });
    expect(await counterOf(backend)).toBeLessThan(5);
    expect(events.filter((e) => e.trigger !== 'startup')).toEqual([]);
  });

  it('reload now rebuilds with trigger manual and keeps the state', async () => {
    const { backend, events } = await start();
    await sleep(200);
    const before = await counterOf(backend);
    expect(await backend.request('build.reload', {})).toEqual({ rebuilding: ['counter'] });
    await backend.idle();
    expect(events.at(-1)).toMatchObject({ trigger: 'manual', outcome: 'ok', version: 2 });
    expect(await counterOf(backend)).toBeGreaterThan(before);
  });

  it('loop replay goes back to the recorded moment again and again', async () => {
    const { backend } = await start();
    await backend.request('loop.control', { action: 'record' });
    const recordedFrom = await counterOf(backend);
    await sleep(300);
    const session = (await backend.request('loop.control', { action: 'play' })) as EventPayloads['session'];
    expect(session.loop).toBe('replaying');
    expect(session.loopSeconds).toBeGreaterThan(0.1);
    const seen: number[] = [];
    const listener = (f: { pixels: Uint8Array }) => seen.push((f.pixels[0] << 16) | (f.pixels[1] << 8) | f.pixels[2]);
    backend.on('frame', listener);
    await sleep(900);
    backend.off('frame', listener);
    // The counter wraps back to the start of the recording at least once, and never runs past its end.
    const wraps = seen.filter((n, i) => i > 0 && n < seen[i - 1]).length;
    expect(wraps).toBeGreaterThanOrEqual(1);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(recordedFrom - 2);
    expect(((await backend.request('loop.control', { action: 'stop' })) as EventPayloads['session']).loop).toBe('off');
  });
});

describe('project edits', () => {
  it('a new plugin from the template appears in kiln.json, builds and runs', async () => {
    const { backend, dir, events } = await start();
    const info = await backend.request('plugin.create', { name: 'hello' });
    expect(info).toMatchObject({ name: 'hello', sources: ['hello.c'] });
    await backend.idle();
    expect(readFileSync(path.join(dir, 'hello.c'), 'utf8')).toContain('KILN_PLUGIN(.name = "hello"');
    expect(JSON.parse(readFileSync(path.join(dir, 'kiln.json'), 'utf8')).plugins.map((p: { name: string }) => p.name)).toEqual(['counter', 'hello']);
    expect(events.at(-1)).toMatchObject({ plugin: 'hello', outcome: 'ok', version: 1 });
    await expect(backend.request('plugin.create', { name: 'hello' })).rejects.toThrow(/already exists/);
  });

  it('renaming a plugin source keeps the plugin; deleting it is refused with the reason', async () => {
    const { backend, dir } = await start();
    await backend.request('file.rename', { from: 'counter.c', to: 'count.c' });
    expect(existsSync(path.join(dir, 'count.c'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'kiln.json'), 'utf8')).plugins[0].sources).toEqual(['count.c']);
    await expect(backend.request('file.delete', { path: 'count.c' })).rejects.toThrow(/source of plugin counter/);
    await backend.request('file.create', { path: 'notes.h', content: '#define X 1\n' });
    await backend.request('file.delete', { path: 'notes.h' });
    expect(existsSync(path.join(dir, 'notes.h'))).toBe(false);
  });

  it('a broken kiln.json is refused and the game keeps its settings', async () => {
    const { backend } = await start();
    const logs: string[] = [];
    backend.on('game-log', (m) => logs.push(m.text));
    await backend.save('kiln.json', '{ "name": "counter", "plugins": [] }');
    expect(logs.join('\n')).toMatch(/kiln.json was not applied: .*lists no plugins.*previous settings stay/);
    expect(backend.project.config.plugins.map((p) => p.name)).toEqual(['counter']);
  });
});

describe('changes made outside the editor', () => {
  it('a source edited by another program rebuilds once, with trigger external-change', async () => {
    const { backend, dir, events } = await start();
    const changed = new Promise<EventPayloads['file-changed']>((resolve) => backend.once('file-changed', resolve));
    writeFileSync(path.join(dir, 'counter.c'), COUNTER.replace('n++', 'n += 2'));
    expect((await changed).content).toContain('n += 2');
    await expect.poll(() => events.at(-1)?.trigger, { timeout: 5000 }).toBe('external-change');
    await backend.idle();
    expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 2 });
  });

  it("the editor's own save is not mistaken for an outside change", async () => {
    const { backend, events } = await start();
    await backend.save('counter.c', COUNTER.replace('n++', 'n += 3'));
    await backend.idle();
    await sleep(400); // give the watcher time to (wrongly) fire
    await backend.idle();
    expect(events.map((e) => e.trigger)).toEqual(['startup', 'save']);
  });
});
