/**
 * The supervisor around the runner, with real processes: slow frames live, memory comes back, loads
 * survive a runner's death, stop leaves nothing behind, the sandbox holds, and recovery times.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBackends, openTestBackend, sleep, waitProven, writeProject } from './test-support';
import type { LoadOutcome } from './runner-supervisor';
import { alive, colour, counter, expectRecovered, GOOD, gameSource, NEXT, nextFrameOf, pixel, rssMiB, runnerChildren, saveBad, startGame } from './runner-fault-support';

afterEach(closeTestBackends);

describe('the hang detector and restarts', { timeout: 90_000 }, () => {
  it('a slow frame the watchdog allows (update and draw each just under it) is not killed', async () => {
    const game = await startGame({ watchdogMs: 1000 });
    const pid = game.backend.supervisor.pid;
    // 0.85 s in update and 0.85 s in draw: every frame is 1.7 s of silence from the runner.
    const slow = gameSource(0x8800aa).replace('static void draw(void *p) {', 'static void draw(void *p) { usleep(850000);').replace('s->n++;', 's->n++; usleep(850000);');
    await game.backend.save('game.c', slow);
    await game.backend.idle();
    expect(game.events.at(-1)).toMatchObject({ outcome: 'ok', version: 2 });
    const first = counter(await nextFrameOf(game.backend, (f) => colour(f) === 0x8800aa));
    await sleep(6000);
    expect(game.backend.supervisor.pid).toBe(pid);
    expect(game.events.filter((e) => e.outcome === 'crash-rolled-back' || e.outcome === 'runner-restarted')).toEqual([]);
    expect(counter(await nextFrameOf(game.backend, (f) => colour(f) === 0x8800aa))).toBeGreaterThan(first + 1);
  });

  it('after a version that took 768 MiB is rolled back, the runner is replaced and the memory comes back', async () => {
    const game = await startGame({ watchdogMs: 15_000 }); // touching 128 MiB a frame is slow on a loaded machine
    const pid = game.backend.supervisor.pid!;
    const { entry } = await saveBad(game, 'static int k; size_t n = (size_t)96 << 20; char *p = malloc(n); if (p) memset(p, 1, n); if (++k == 8) *(volatile int *)0 = 1;', { after: 0, timeoutMs: 60_000 });
    expect(entry.crash).toMatchObject({ kind: 'signal', crashedVersion: 2, runningVersion: 1 });
    await expect.poll(() => game.backend.supervisor.pid !== pid && game.backend.supervisor.runnerInfo.state === 'running', { timeout: 15_000 }).toBe(true);
    expect(game.events.at(-1)).toMatchObject({ outcome: 'runner-restarted', version: 1 });
    expect(game.events.at(-1)!.message).toMatch(/MiB after a rollback/);
    expect(rssMiB(game.backend.supervisor.pid!)).toBeLessThan(512);
    await nextFrameOf(game.backend, (f) => colour(f) === GOOD);
  });

  it("the runner's memory, asked for between two frames, is read after collections and sees what a version holds", async () => {
    const game = await startGame();
    const pid = game.backend.supervisor.pid!;
    const before = (await game.backend.supervisor.memory()).memory!;
    expect(before.rssKb).toBeGreaterThan(0);
    expect(before.heapUsedKb).toBeGreaterThan(0);
    expect(before.heapUsedKb).toBeLessThanOrEqual(before.heapCommittedKb);
    expect(Math.abs(before.rssKb - rssMiB(pid) * 1024)).toBeLessThan(32 * 1024);
    // a version that keeps 64 MiB it has written to: the runner's RSS holds it, V8's heap does not
    const holds = gameSource(NEXT).replace('s->n++;', 'static char *keep; if (!keep) { keep = malloc(64 << 20); if (keep) memset(keep, 7, 64 << 20); } s->n++;');
    await game.backend.save('game.c', holds);
    await game.backend.idle();
    await nextFrameOf(game.backend, (f) => colour(f) === NEXT);
    const after = (await game.backend.supervisor.memory()).memory!;
    expect(after.rssKb - before.rssKb).toBeGreaterThan(60 * 1024);
    expect(after.heapUsedKb - before.heapUsedKb).toBeLessThan(8 * 1024);
    // glibc's account (mallinfo2) puts it where it is: a chunk of its own, mapped for it, larger than malloc's arena
    expect(before.malloc!.arenaKb).toBeGreaterThan(0);
    expect(before.malloc!.inUseKb + before.malloc!.freeKb).toBeLessThanOrEqual(before.malloc!.arenaKb + 1);
    expect(after.malloc!.mmapKb - before.malloc!.mmapKb).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('a load waiting behind the one that kills the runner is sent again to the new runner', async () => {
    const plugin = (name: string, row: number, color: number, extra = '') => `#include "kiln.h"
#include <signal.h>
#include <unistd.h>
static void draw(void *s) { (void)s; fill_rect(0, ${row}, 1, 1, 0x${color.toString(16).padStart(6, '0')}FF); }
KILN_PLUGIN(.name = "${name}", .state_size = 4, .state_version = 1, .draw = draw)
${extra}
`;
    const dir = writeProject({
      'kiln.json': JSON.stringify({ name: 'two', width: 16, height: 16, plugins: [{ name: 'a', sources: ['a.c'] }, { name: 'b', sources: ['b.c'] }], build: { compiler: 'gcc' } }),
      'a.c': plugin('a', 0, GOOD),
      'b.c': plugin('b', 1, GOOD),
    });
    const { backend, events } = await openTestBackend(dir);
    await waitProven(backend, 'a', 1);
    await waitProven(backend, 'b', 1);
    // a v2's constructor takes its time (3 s: under libkiln's 4 s limit for a constructor, which would stop it as a
    // watchdog fault instead), then kills the runner: b v2's load waits behind it in the runner.
    await backend.save('a.c', plugin('a', 0, 0xdd0000, '__attribute__((constructor)) static void slow_death(void) { sleep(3); raise(SIGKILL); }'));
    await expect.poll(() => backend.supervisor.probationVersions('a'), { timeout: 20_000 }).toContain(2);
    await backend.save('b.c', plugin('b', 1, NEXT));
    await expect.poll(() => backend.supervisor.probationVersions('b'), { timeout: 20_000 }).toContain(2);
    await backend.idle();
    expect(events.find((e) => e.plugin === 'a' && e.outcome === 'crash-rolled-back')).toMatchObject({ version: 1, trigger: 'save', crash: { kind: 'runner-died', signal: 'SIGKILL', crashedVersion: 2, runningVersion: 1 } });
    expect(events.filter((e) => e.plugin === 'b').at(-1)).toMatchObject({ outcome: 'ok', version: 2 });
    const f = await nextFrameOf(backend, (fr) => pixel(fr, 0) === GOOD && ((fr.pixels[16 * 4] << 16) | (fr.pixels[16 * 4 + 1] << 8) | fr.pixels[16 * 4 + 2]) === NEXT);
    expect(f).toBeTruthy();
    expect(backend.session().versions).toEqual({ a: 1, b: 2 });
  });

  it('an unexpected failure inside a build is an internal-error entry and an error status, and the next save works', async () => {
    const game = await startGame();
    // The next build's output path is taken by a folder: renaming the image into place throws.
    mkdirSync(path.join(game.backend.project.workDir, 'build', 'game-b2.so'));
    await game.backend.save('game.c', gameSource(NEXT));
    await game.backend.idle();
    expect(game.events.at(-1)).toMatchObject({ outcome: 'internal-error', version: 1, trigger: 'save' });
    expect(game.events.at(-1)!.message).toMatch(/internal error while building game/);
    expect(await game.backend.request('status.get', {})).toMatchObject({ state: 'error', version: 1 });
    await game.backend.save('game.c', gameSource(NEXT));
    await game.backend.idle();
    expect(game.events.at(-1)).toMatchObject({ outcome: 'ok', version: 2 });
  });

  it('a version that needs more memory than the runner limit fails its allocation and is rolled back', async (ctx) => {
    const game = await startGame({ memoryLimitMb: 256 });
    if (game.backend.supervisor.sandboxError) ctx.skip(); // the limit is part of the sandbox
    const { entry, before } = await saveBad(game, 'size_t n = (size_t)1 << 30; char *p = malloc(n); memset(p, 1, n);', { after: 0 });
    // malloc gives NULL under the limit, and memset through it faults.
    expect(entry.crash).toMatchObject({ kind: 'signal', signal: 'SIGSEGV', callback: 'update' });
    await expectRecovered(game, before, { kind: 'signal' }, false);
  });

  it('a runner killed after probation comes back on the same version with the last committed frame', async () => {
    const game = await startGame();
    const before = counter(await nextFrameOf(game.backend));
    const pid = game.backend.supervisor.pid!;
    process.kill(pid, 'SIGKILL');
    const after = await nextFrameOf(game.backend, (f) => game.backend.supervisor.pid !== pid && colour(f) === GOOD);
    expect(counter(after)).toBeGreaterThanOrEqual(before); // the state went on from where it was, not from zero
    expect(game.events.at(-1)).toMatchObject({ outcome: 'runner-restarted', version: 1, trigger: 'runner-restart' });
    expect(game.events.some((e) => e.outcome === 'crash-rolled-back')).toBe(false);
  });

  it('a restarted runner is given the keys, mouse buttons and pad buttons the player still holds', async () => {
    // pixel 0: white while Space is held; pixel 1: white while pad 0's A is held; pixel 2: white while the left button is.
    const dir = writeProject({
      'kiln.json': JSON.stringify({ name: 'held', width: 16, height: 16, plugins: [{ name: 'held', sources: ['held.c'] }] }),
      'held.c': `#include "kiln.h"
static unsigned c(int on) { return on ? 0xFFFFFFFFu : 0x000000FFu; }
static void draw(void *s) { (void)s; clear(0x203040FF);
  fill_rect(0, 0, 1, 1, c(key_down(KEY_SPACE))); fill_rect(1, 0, 1, 1, c(pad_down(0, PAD_A))); fill_rect(2, 0, 1, 1, c(mouse_down(MOUSE_LEFT))); }
KILN_PLUGIN(.name = "held", .state_size = 4, .state_version = 1, .draw = draw)
`,
    });
    const { backend } = await openTestBackend(dir);
    await waitProven(backend, 'held', 1);
    const allHeld = (f: Parameters<typeof pixel>[0]) => pixel(f, 0) === 0xffffff && pixel(f, 1) === 0xffffff && pixel(f, 2) === 0xffffff;
    await backend.request('game.input', { key: 32, down: true });
    await backend.request('game.pad', { pad: 0, connected: true, buttons: 1, axes: [0, 0, 0, 0] });
    await backend.request('game.mouse', { x: 3, y: 3, buttons: 1 });
    await nextFrameOf(backend, allHeld);
    const pid = backend.supervisor.pid!;
    process.kill(pid, 'SIGKILL');
    await nextFrameOf(backend, (f) => backend.supervisor.pid !== pid && allHeld(f));
    await backend.request('game.input', { key: 32, down: false }); // and a release still reaches the new runner
    await nextFrameOf(backend, (f) => pixel(f, 0) === 0x000000 && pixel(f, 1) === 0xffffff);
  });

  it('a load asked for while the runner is restarting waits for the new runner and is loaded', async () => {
    const game = await startGame();
    await game.backend.save('game.c', gameSource(NEXT));
    await game.backend.idle();
    const nextImage = path.join(game.backend.project.workDir, 'build', 'game-b2.so');
    await game.backend.save('game.c', gameSource(GOOD));
    await game.backend.idle();
    await waitProven(game.backend, 'game', 3);
    // Asked for at the moment the supervisor learns of the death: no runner is up to take it.
    let asked: Promise<LoadOutcome> | null = null;
    game.backend.supervisor.on('runner', (info) => {
      if (!asked && info.state === 'restarting') asked = game.backend.supervisor.load('game', nextImage, 4);
    });
    process.kill(game.backend.supervisor.pid!, 'SIGKILL');
    await expect.poll(() => asked !== null, { timeout: 10_000 }).toBe(true);
    const outcome = await (asked as unknown as Promise<LoadOutcome>);
    expect(outcome).toMatchObject({ ok: true, version: 4 });
    await nextFrameOf(game.backend, (f) => colour(f) === NEXT);
  });

  it('a runner killed after the warm standby is up is replaced by that standby, libkiln already loaded', async () => {
    const game = await startGame();
    await waitProven(game.backend, 'game', 1);
    await expect.poll(() => game.backend.supervisor.standbyReady, { timeout: 30_000 }).toBe(true);
    const pid = game.backend.supervisor.pid!;
    const [standby] = runnerChildren().filter((p) => p !== pid);
    expect(standby).toBeDefined();
    process.kill(pid, 'SIGKILL');
    await nextFrameOf(game.backend, (f) => colour(f) === GOOD && game.backend.supervisor.pid !== pid);
    expect(game.backend.supervisor.pid).toBe(standby); // no Node start on the way back
    expect(game.events.at(-1)).toMatchObject({ outcome: 'runner-restarted', version: 1 });
  });

  it('runners that were up and are killed again and again are each replaced at once by the standby: only failed starts back off', async () => {
    const game = await startGame();
    await waitProven(game.backend, 'game', 1);
    // Each 'restarting' the editor is told, with the runner the supervisor has at that moment.
    const said: Array<{ message: string; pid: number | undefined }> = [];
    game.backend.supervisor.on('runner', (info) => {
      if (info.state === 'restarting') said.push({ message: info.message, pid: game.backend.supervisor.pid });
    });
    const killed: number[] = [];
    for (let k = 0; k < 5; k++) {
      await expect.poll(() => game.backend.supervisor.standbyReady, { timeout: 30_000 }).toBe(true);
      const pid = game.backend.supervisor.pid!;
      const [standby] = runnerChildren().filter((p) => p !== pid);
      killed.push(pid);
      process.kill(pid, 'SIGKILL');
      await nextFrameOf(game.backend, (f) => colour(f) === GOOD && game.backend.supervisor.pid !== pid);
      expect(game.backend.supervisor.pid).toBe(standby);
    }
    // Kills 3–5 are where a backoff (50, 100, 200 ms) would wait; the standby takes over in the turn the death is learned.
    // Each time the runner that took over (the one killed next) is already the supervisor's when the editor is told.
    expect(said.map((s) => s.message)).toEqual(Array(5).fill('restarting: the game runner was killed by SIGKILL'));
    expect(said.map((s) => s.pid)).toEqual([...killed.slice(1), game.backend.supervisor.pid]);
    expect(game.events.filter((e) => e.outcome === 'runner-restarted')).toHaveLength(5);
  });

  it('a good save right after a runner death is loaded, not refused', async () => {
    const game = await startGame();
    process.kill(game.backend.supervisor.pid!, 'SIGKILL');
    await game.backend.save('game.c', gameSource(NEXT));
    await game.backend.idle();
    expect(game.events.filter((e) => e.trigger === 'save')).toMatchObject([{ outcome: 'ok', version: 2 }]);
    await nextFrameOf(game.backend, (f) => colour(f) === NEXT);
  });

  it('stopping the back end ends a runner stuck with every signal blocked', async () => {
    const game = await startGame({ watchdogMs: 0 });
    await game.backend.save('game.c', gameSource(0xdd0000, 'sigset_t all; sigfillset(&all); pthread_sigmask(SIG_BLOCK, &all, 0); for (;;) pause();', 0, '#include <pthread.h>'));
    await expect.poll(() => game.backend.supervisor.probationVersions('game')).toContain(2);
    await sleep(300);
    const pid = game.backend.supervisor.pid!;
    await closeTestBackends();
    expect(alive(pid)).toBe(false);
    expect(runnerChildren()).toEqual([]); // the warm standby runner went with it
  });

  it('kill(getppid(), SIGTERM) from a plugin does not reach the back end', async (ctx) => {
    const game = await startGame();
    if (game.backend.supervisor.sandboxError) ctx.skip(); // this libkiln or kernel cannot sandbox the runner
    let terms = 0;
    const onTerm = () => terms++;
    process.on('SIGTERM', onTerm); // the test process survives a failure, and the test says so
    try {
      await game.backend.save('game.c', gameSource(NEXT).replace('s->n++;', 's->n++; if (s->n % 30 == 0) kill(getppid(), SIGTERM);'));
      await game.backend.idle();
      expect(game.events.at(-1)).toMatchObject({ outcome: 'ok', version: 2 });
      await sleep(1500);
      expect(terms).toBe(0);
    } finally {
      process.off('SIGTERM', onTerm);
    }
  });
});

// Real compilers and runners on a loaded 2-core machine: generous time-outs.
describe('recovery time (reported, not asserted)', { timeout: 180_000 }, () => {
  it('twelve versions in a row that kill the runner are each rolled back: rollbacks do not use up the restart budget', async () => {
    const game = await startGame();
    const times: number[] = [];
    for (let i = 0; i < 12; i++) {
      const attack = i % 2 ? 'raise(SIGKILL);' : 'exit(3);';
      const pid = game.backend.supervisor.pid;
      let diedAt = 0;
      game.backend.supervisor.once('crash', () => (diedAt = performance.now()));
      await game.backend.save('game.c', gameSource(0xdd0000 + i, attack, 0));
      await expect.poll(() => diedAt, { timeout: 30_000, interval: 5 }).toBeGreaterThan(0);
      await nextFrameOf(game.backend, (f) => colour(f) === GOOD && game.backend.supervisor.pid !== pid);
      times.push(performance.now() - diedAt);
      await game.backend.idle();
    }
    expect(game.events.filter((e) => e.outcome === 'crash-rolled-back')).toHaveLength(12);
    expect(game.backend.supervisor.runnerInfo.state).toBe('running');
    expect(game.backend.session().versions).toEqual({ game: 1 });
    const sorted = [...times].sort((x, y) => x - y);
    console.log(`recovery: runner death -> first frame of v1 over 12 rollbacks: p50 ${sorted[6].toFixed(1)} ms, max ${sorted[11].toFixed(1)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`);
    await game.backend.save('game.c', gameSource(NEXT));
    await game.backend.idle();
    expect(game.events.at(-1)).toMatchObject({ outcome: 'ok', version: 14 });
  });

  for (const [name, attack] of [
    ['SIGKILL', 'raise(SIGKILL);'],
    ['exit()', 'exit(3);'],
  ] as const) {
    it(`runner death by ${name} -> first frame of the rolled-back version`, async () => {
      const game = await startGame();
      let diedAt = 0;
      game.backend.supervisor.once('crash', () => (diedAt = performance.now()));
      const pid = game.backend.supervisor.pid;
      await game.backend.save('game.c', gameSource(0xdd0000, attack, 0));
      await expect.poll(() => diedAt, { timeout: 15_000, interval: 5 }).toBeGreaterThan(0);
      await nextFrameOf(game.backend, (f) => colour(f) === GOOD && game.backend.supervisor.pid !== pid);
      const ms = performance.now() - diedAt;
      console.log(`recovery: runner death by ${name} -> first frame of v1: ${ms.toFixed(1)} ms`);
      writeFileSync(path.join(game.backend.project.workDir, `recovery-${name}.txt`), `${ms}\n`);
    });
  }
});
