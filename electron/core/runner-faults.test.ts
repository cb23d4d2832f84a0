/**
 * Versions that kill or hang the runner (issue 11 §1), with real compilers, a real runner and real
 * dlopen: each must end with the game running the previous good version, the state from before the bad
 * version, one crash-rolled-back entry with a typed crash, and the next good save loaded at once.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CrashRecord, Frame, ReloadEvent } from '../shared/contract';
import type { KilnBackend } from './backend';
import { closeTestBackends, openTestBackend, sleep, waitProven, writeProject } from './test-support';

/** Marks a state written by a bad version: the counter never reaches it by itself in a test. */
const MARK = 0x400000;

/**
 * Plugin `game`: update counts frames in `n`; draw paints pixel (0,0) with n and pixel (1,0) with the
 * version's colour. `attack` runs in update once the version has run `after` frames, which first mark n.
 */
function gameSource(color: number, attack = '', after = 10, includes = ''): string {
  const body = attack
    ? `if (s->mine < ${after}) { s->mine++; s->n = ${MARK} + s->mine; return; } { ${attack} }`
    : 's->n++; s->mine = 0;';
  return `#include "kiln.h"
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
${includes}
typedef struct { int n; int mine; } S;
static void update(void *p, float dt) { S *s = p; (void)dt; ${body} }
static void draw(void *p) { S *s = p; fill_rect(0, 0, 1, 1, ((unsigned)s->n << 8) | 0xFF); fill_rect(1, 0, 1, 1, 0x${color.toString(16).padStart(6, '0')}FF); }
KILN_PLUGIN(.name = "game", .state_size = sizeof(S), .state_version = 1, .update = update, .draw = draw)
`;
}

const GOOD = 0x11aa22;
const NEXT = 0x3344cc;

interface Game {
  backend: KilnBackend;
  events: ReloadEvent[];
  frames: Frame[];
}

async function startGame(runner: { watchdogMs?: number; loadTimeoutMs?: number; memoryLimitMb?: number } = {}, compiler?: string): Promise<Game> {
  const dir = writeProject({
    'kiln.json': JSON.stringify({ name: 'faults', width: 16, height: 16, plugins: [{ name: 'game', sources: ['game.c'] }], build: compiler ? { compiler } : undefined }),
    'game.c': gameSource(GOOD),
  });
  const { backend, events } = await openTestBackend(dir, undefined, runner);
  const frames: Frame[] = [];
  backend.on('frame', (f) => {
    frames.push(f);
    if (frames.length > 30) frames.shift();
  });
  expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 1 });
  await waitProven(backend, 'game', 1);
  return { backend, events, frames };
}

const pixel = (f: Frame, x: number) => ((f.pixels[x * 4] << 16) | (f.pixels[x * 4 + 1] << 8) | f.pixels[x * 4 + 2]) >>> 0;
const counter = (f: Frame) => pixel(f, 0);
const colour = (f: Frame) => pixel(f, 1);

function nextFrameOf(backend: KilnBackend, pred: (f: Frame) => boolean = () => true, timeoutMs = 15_000): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      backend.off('frame', on);
      reject(new Error(`no matching frame within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (f: Frame) => {
      if (!pred(f)) return;
      clearTimeout(timer);
      backend.off('frame', on);
      resolve(f);
    };
    backend.on('frame', on);
  });
}

/** Save a bad version, wait for its crash entry; returns the entry and the counter seen just before the save. */
async function saveBad(game: Game, attack: string, opts: { after?: number; includes?: string; timeoutMs?: number } = {}): Promise<{ entry: ReloadEvent; before: number }> {
  const before = counter(await nextFrameOf(game.backend));
  await game.backend.save('game.c', gameSource(0xdd0000, attack, opts.after, opts.includes));
  await expect.poll(() => game.events.find((e) => e.outcome === 'crash-rolled-back'), { timeout: opts.timeoutMs ?? 30_000, interval: 50 }).toBeTruthy();
  return { entry: game.events.find((e) => e.outcome === 'crash-rolled-back')!, before };
}

/** The game runs v1 again with a counter from before the bad version, and the next good save loads at once. */
async function expectRecovered(game: Game, before: number, crash: Partial<CrashRecord>, stateBeforeVersion = true): Promise<void> {
  const entry = game.events.find((e) => e.outcome === 'crash-rolled-back')!;
  expect(entry).toMatchObject({ plugin: 'game', version: 1 });
  expect(entry.crash).toMatchObject({ crashedVersion: 2, runningVersion: 1, ...crash });
  expect(game.events.filter((e) => e.outcome === 'crash-rolled-back')).toHaveLength(1);
  // Frames flow again, painted by v1, and the counter moves.
  const a = await nextFrameOf(game.backend, (f) => colour(f) === GOOD);
  const b = await nextFrameOf(game.backend, (f) => colour(f) === GOOD && counter(f) > counter(a));
  if (stateBeforeVersion) {
    // The bad version's marked frames are not in the state: it is the one from before its swap.
    expect(counter(b)).toBeLessThan(MARK);
    expect(counter(b)).toBeGreaterThanOrEqual(before);
  }
  expect(game.backend.session().versions).toEqual({ game: 1 });
  // The user's next good save is loaded at once, not refused with "the game runner exited".
  await game.backend.save('game.c', gameSource(NEXT));
  await game.backend.idle();
  expect(game.events.at(-1)).toMatchObject({ outcome: 'ok', version: 3 });
  await nextFrameOf(game.backend, (f) => colour(f) === NEXT);
}

afterEach(closeTestBackends);

// Real compilers and runners on a loaded 2-core machine: generous time-outs.
describe('a version that kills the runner is rolled back to the previous good one', { timeout: 90_000 }, () => {
  it('exit(3) in update', async () => {
    const game = await startGame();
    const { before } = await saveBad(game, 'exit(3);');
    await expectRecovered(game, before, { kind: 'runner-died', exitCode: 3, callback: 'update', state: 'before-version' });
  });

  it('_exit(4) in update', async () => {
    const game = await startGame();
    const { before } = await saveBad(game, '_exit(4);');
    await expectRecovered(game, before, { kind: 'runner-died', exitCode: 4, callback: 'update', state: 'before-version' });
  });

  it('raise(SIGKILL) in update', async () => {
    const game = await startGame();
    const { before } = await saveBad(game, 'raise(SIGKILL);');
    await expectRecovered(game, before, { kind: 'runner-died', signal: 'SIGKILL', callback: 'update', state: 'before-version' });
  });

  it('SIGSEGV reset to SIG_DFL, then a NULL write', async () => {
    const game = await startGame();
    const { entry, before } = await saveBad(game, 'signal(SIGSEGV, SIG_DFL); *(volatile int *)0 = 1;');
    // Either the guard stays in force (caught in the runner) or the runner dies of it: both roll back.
    if (entry.crash!.kind === 'signal') await expectRecovered(game, before, { callback: 'update', signal: 'SIGSEGV' }, false);
    else await expectRecovered(game, before, { kind: 'runner-died', signal: 'SIGSEGV', state: 'before-version' });
  });

  it('heap corruption: glibc aborts inside free()', async () => {
    const game = await startGame();
    const { entry, before } = await saveBad(game, 'char *p = malloc(24); memset(p - 8, 0x7f, 40); free(p);');
    if (entry.crash!.kind === 'signal') {
      // Caught in the runner; the runner is replaced all the same (its heap is not to be trusted).
      await expect.poll(() => game.events.some((e) => e.outcome === 'runner-restarted' && /aborted inside libc/.test(e.message)), { timeout: 15_000 }).toBe(true);
      await expectRecovered(game, before, { callback: 'update', signal: 'SIGABRT' }, false);
    }
    else await expectRecovered(game, before, { kind: 'runner-died', state: 'before-version' });
  });

  it('a deadlock the watchdog cannot break (signals blocked, a mutex taken twice) is a hang of that version', async () => {
    const game = await startGame({ watchdogMs: 500 });
    const { before } = await saveBad(game, 'sigset_t all; sigfillset(&all); pthread_sigmask(SIG_BLOCK, &all, 0); static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; pthread_mutex_lock(&m); pthread_mutex_lock(&m);', { includes: '#include <pthread.h>' });
    await expectRecovered(game, before, { kind: 'runner-hung', callback: 'update', state: 'before-version' });
  });

  it('a good version whose frame later stays over the limit is a hang of that version, rolled back too', async () => {
    const game = await startGame({ watchdogMs: 500 });
    const deadlock = 'sigset_t all; sigfillset(&all); pthread_sigmask(SIG_BLOCK, &all, 0); static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; pthread_mutex_lock(&m); pthread_mutex_lock(&m);';
    const proven: number[] = [];
    game.backend.supervisor.on('proven', (p) => proven.push(p.version));
    // 100 frames of marked state first: past probation, so v2 is good when it hangs.
    const { before } = await saveBad(game, deadlock, { after: 100, includes: '#include <pthread.h>' });
    expect(proven).toEqual([2]);
    await expectRecovered(game, before, { kind: 'runner-hung', callback: 'update', state: 'before-version' });
  });

  it('an endless loop stopped by the watchdog is a crash-rolled-back with kind watchdog, and the runner lives on', async () => {
    const game = await startGame({ watchdogMs: 300 });
    const pid = game.backend.supervisor.pid;
    const { before } = await saveBad(game, 'for (volatile int spin = 1; spin;) {}');
    expect(game.backend.supervisor.pid).toBe(pid);
    await expectRecovered(game, before, { kind: 'watchdog', watchdogMs: 300, callback: 'update', signal: null, state: 'frame-start' }, false);
  });

  it('a constructor that never returns is a load timeout of that version', async () => {
    const game = await startGame({ loadTimeoutMs: 2000 }, 'gcc');
    const before = counter(await nextFrameOf(game.backend));
    await game.backend.save('game.c', `${gameSource(0xdd0000)}\n__attribute__((constructor)) static void never(void) { for (;;) pause(); }\n`);
    await game.backend.idle();
    expect(game.events.at(-1)).toMatchObject({ outcome: 'crash-rolled-back', trigger: 'save', version: 1 });
    await expectRecovered(game, before, { kind: 'load-timeout', callback: 'constructor' }, false);
  });

  it('exit() inside a constructor (during dlopen) is a crash of the version being loaded', async () => {
    const game = await startGame({}, 'gcc');
    const pid = game.backend.supervisor.pid;
    const before = counter(await nextFrameOf(game.backend));
    await game.backend.save('game.c', `${gameSource(0xdd0000)}\n__attribute__((constructor)) static void bye(void) { exit(5); }\n`);
    await game.backend.idle();
    expect(game.events.at(-1)).toMatchObject({ outcome: 'crash-rolled-back', trigger: 'save', version: 1 });
    // libkiln may catch an exit() inside the dynamic loader itself; otherwise the runner dies of it.
    const crash = game.events.at(-1)!.crash!;
    console.log('exit() in a constructor:', JSON.stringify(crash));
    // exit() during dlopen: glibc may abort (the loader lock is held) rather than exit with the code.
    await expectRecovered(game, before, crash.kind === 'runner-died' ? (crash.signal ? { kind: 'runner-died', signal: crash.signal } : { kind: 'runner-died', exitCode: 5 }) : { callback: 'constructor', state: 'kept' }, false);
    // Either way the runner is a new one: a fault inside the dynamic loader may leave it locked.
    expect(game.backend.supervisor.pid).not.toBe(pid);
  });
});

// Real compilers and runners on a loaded 2-core machine: generous time-outs.
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
    // a v2's constructor takes its time, then kills the runner: b v2's load waits behind it in the runner.
    await backend.save('a.c', plugin('a', 0, 0xdd0000, '__attribute__((constructor)) static void slow_death(void) { sleep(4); raise(SIGKILL); }'));
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

  it('a good save that arrives while the runner is restarting is loaded when it is back', async () => {
    const game = await startGame();
    const states: string[] = [];
    game.backend.on('status', (s) => {
      if (s.state === 'loading') states.push(game.backend.supervisor.runnerInfo.state);
    });
    process.kill(game.backend.supervisor.pid!, 'SIGKILL');
    await expect.poll(() => game.backend.supervisor.runnerInfo.state, { interval: 1 }).not.toBe('running');
    await game.backend.save('game.c', gameSource(NEXT));
    await game.backend.idle();
    expect(game.events.at(-1)).toMatchObject({ outcome: 'ok', version: 2 });
    expect(states[0]).not.toBe('running'); // the load was asked for while no runner was up
    await nextFrameOf(game.backend, (f) => colour(f) === NEXT);
    expect(game.events.some((e) => e.outcome === 'runner-restarted')).toBe(true);
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

/** Runner processes this test process started that are still alive (zombies are gone once reaped). */
function runnerChildren(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('runner')) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const line = status.split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
