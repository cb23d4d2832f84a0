/**
 * The timeline through the real back end, runner and libkiln: seek, step, edit while scrubbed, replay to now,
 * play on, crash marks. The test game paints its frame counter into the framebuffer, so the pixels say which
 * frame is shown and which code drew it (version 2 adds 1000).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GameSession } from '../shared/contract';
import type { KilnBackend } from './backend';
import { closeTestBackends, nextFrame, openTestBackend, pixelAt, sleep, waitProven, writeProject } from './test-support';

const counter = (extra: string, body = '') => `#include "kiln.h"
typedef struct { uint32_t n; } S;
static void update(void *s, float dt) { (void)dt; S *st = s; st->n++; ${body} }
static void draw(void *s) { uint32_t n = ((S *)s)->n${extra}; clear(((n & 0xFFFFFF) << 8) | 0xFF); }
KILN_PLUGIN(.name = "counter", .state_size = sizeof(S), .state_version = 1, .update = update, .draw = draw)
`;

function start() {
  const dir = writeProject(
    { 'kiln.json': JSON.stringify({ name: 'counter', width: 16, height: 16, plugins: [{ name: 'counter', sources: ['counter.c'] }] }, null, 2), 'counter.c': counter('') },
    'kiln-timeline-',
  );
  return openTestBackend(dir);
}

/** Runs `act` and returns the counter drawn in the frame it produced (paused: no other frame comes). */
async function shownBy(backend: KilnBackend, act: () => Promise<unknown>): Promise<{ value: number; result: unknown }> {
  const frame = nextFrame(backend);
  const result = await act();
  const f = await frame;
  return { value: (f.pixels[0] << 16) | (f.pixels[1] << 8) | f.pixels[2], result };
}

afterEach(closeTestBackends);

describe('timeline', () => {
  it('seek shows a kept frame, steps go one frame, a save while scrubbed redraws it, replay to now uses the new code', async () => {
    const { backend } = await start();
    await sleep(800);
    await pixelAt(backend, 0, 0);
    const live = (await backend.request('session.get', {})) as GameSession;
    expect(live.timeline).toMatchObject({ enabled: true, scrubbed: false });
    expect(live.timeline.frames).toBeGreaterThan(20);

    // frames are kept from the first with the plugin loaded; the counter after kept frame first + k is k + 1
    const first = live.timeline.first;
    await backend.request('game.control', { action: 'pause' }); // from here on, only the timeline's frames come
    const target = first + 10;
    const seek = await shownBy(backend, () => backend.request('history.seek', { frame: target }));
    expect(seek.value).toBe(11);
    const scrubbed = seek.result as GameSession;
    expect(scrubbed.paused).toBe(true);
    expect(scrubbed.timeline).toMatchObject({ cursor: target, scrubbed: true });
    const newest = scrubbed.timeline.last;
    expect(newest).toBeGreaterThan(target + 10);

    expect((await shownBy(backend, () => backend.request('history.step', { delta: -1 }))).value).toBe(10);
    expect((await shownBy(backend, () => backend.request('history.step', { delta: 2 }))).value).toBe(12);
    expect((await shownBy(backend, () => backend.request('history.seek', { frame: target }))).value).toBe(11);
    await expect(backend.request('history.seek', { frame: newest + 1000 })).rejects.toThrow(/not kept/);

    // edit and save while scrubbed: the new code draws the same frame at once, nothing advances
    const saved = await shownBy(backend, async () => {
      await backend.request('file.save', { path: 'counter.c', content: counter(' + 1000') });
      await backend.idle();
    });
    expect(saved.value).toBe(11 + 1000);
    expect(((await backend.request('session.get', {})) as GameSession).timeline).toMatchObject({ cursor: target, last: newest });

    // replay to now: the recorded frames run again with the new code, up to the newest
    const replay = await shownBy(backend, () => backend.request('history.replay', {}));
    expect(replay.value).toBe(newest - first + 1 + 1000);
    expect((replay.result as GameSession).timeline).toMatchObject({ cursor: newest, last: newest, scrubbed: false });
    expect((replay.result as GameSession).paused).toBe(true);

    // play on from a scrubbed frame: the old future is replaced by what happens now
    await backend.request('history.seek', { frame: target });
    await backend.request('history.play', {});
    await sleep(200);
    const after = await pixelAt(backend, 0, 0);
    expect(after).toBeGreaterThan(11 + 1000);
    expect(after).toBeLessThan(newest - first + 1000); // went on from frame 10, not from the old newest
  });

  it('a crash rolled back shows as a mark at its frame', async () => {
    const { backend } = await start();
    await sleep(300);
    await backend.request('file.save', { path: 'counter.c', content: counter('', 'if (st->n % 20 == 0) *(volatile int *)0 = 1;') });
    await backend.idle();
    let crashes: number[] = [];
    for (let i = 0; i < 40 && crashes.length === 0; i++) {
      await sleep(100);
      crashes = ((await backend.request('session.get', {})) as GameSession).timeline.crashes;
    }
    expect(crashes.length).toBe(1);
    const session = (await backend.request('game.control', { action: 'pause' })) as GameSession;
    expect(crashes[0]).toBeGreaterThanOrEqual(session.timeline.first);
    expect(crashes[0]).toBeLessThanOrEqual(session.timeline.last);
    // the frame before the crash is kept: seeking to it shows the counter whose next step crashed
    const before = await shownBy(backend, () => backend.request('history.seek', { frame: crashes[0] - 1 }));
    expect(before.value).toBe(crashes[0] - session.timeline.first);
    expect((before.value + 1) % 20).toBe(0);
  });
  it('the frames kept before the runner is killed stay on the timeline of the restarted one, and a seek shows them', async () => {
    const { backend } = await start();
    await waitProven(backend, 'counter', 1);
    await sleep(500);
    await pixelAt(backend, 0, 0);
    const before = ((await backend.request('session.get', {})) as GameSession).timeline;
    expect(before.frames).toBeGreaterThan(20);
    const pid = backend.supervisor.pid!;
    process.kill(pid, 'SIGKILL'); // no clean-up in the runner: what it recorded is only in the history's file
    for (let i = 0; i < 600 && (backend.supervisor.pid === undefined || backend.supervisor.pid === pid); i++) await sleep(50);
    expect(backend.supervisor.pid).not.toBe(pid);
    await nextFrame(backend); // the new runner runs frames
    // the session the back end holds may still be the dead runner's last one: wait for the new runner's (it has the mark)
    let after = ((await backend.request('session.get', {})) as GameSession).timeline;
    for (let i = 0; i < 200 && after.crashes.length === 0; i++) {
      await sleep(50);
      after = ((await backend.request('session.get', {})) as GameSession).timeline;
    }
    expect(after.first).toBe(before.first);
    expect(after.last).toBeGreaterThan(before.last); // its frames are appended to the dead runner's
    // the death is a mark at the frame the killed runner did not finish; the frame before it is its last picture
    expect(after.crashes.length).toBe(1);
    const died = after.crashes[0];
    expect(died).toBeGreaterThan(before.last);
    expect(died).toBeLessThanOrEqual(after.last);
    await backend.request('game.control', { action: 'pause' });
    // the counter after kept frame first + k is k + 1: these frames were drawn by the runner that was killed
    expect((await shownBy(backend, () => backend.request('history.seek', { frame: before.first + 10 }))).value).toBe(11);
    expect((await shownBy(backend, () => backend.request('history.seek', { frame: before.last }))).value).toBe(before.last - before.first + 1);
    expect((await shownBy(backend, () => backend.request('history.seek', { frame: died - 1 }))).value).toBe(died - before.first);
  });
});
