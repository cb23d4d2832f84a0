/**
 * Shared by the runner fault tests: a one-plugin game whose state is a frame counter drawn into pixel
 * (0,0) and whose version paints pixel (1,0), bad versions that mark the state before they attack, and
 * the checks that the game recovered (previous good version, state from before the bad one, next save).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { CrashRecord, Frame, ReloadEvent } from '../shared/contract';
import type { KilnBackend } from './backend';
import { childrenOf, openTestBackend, waitProven, writeProject } from './test-support';

/** Marks a state written by a bad version: the counter never reaches it by itself in a test. */
export const MARK = 0x400000;

/**
 * Plugin `game`: update counts frames in `n`; draw paints pixel (0,0) with n and pixel (1,0) with the
 * version's colour. `attack` runs in update once the version has run `after` frames, which first mark n.
 */
export function gameSource(color: number, attack = '', after = 10, includes = ''): string {
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

export const GOOD = 0x11aa22;
export const NEXT = 0x3344cc;

export interface Game {
  backend: KilnBackend;
  events: ReloadEvent[];
  frames: Frame[];
}

export async function startGame(runner: { watchdogMs?: number; loadTimeoutMs?: number; memoryLimitMb?: number } = {}, compiler?: string): Promise<Game> {
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

export const pixel = (f: Frame, x: number) => ((f.pixels[x * 4] << 16) | (f.pixels[x * 4 + 1] << 8) | f.pixels[x * 4 + 2]) >>> 0;
export const counter = (f: Frame) => pixel(f, 0);
export const colour = (f: Frame) => pixel(f, 1);

export function nextFrameOf(backend: KilnBackend, pred: (f: Frame) => boolean = () => true, timeoutMs = 15_000): Promise<Frame> {
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
export async function saveBad(game: Game, attack: string, opts: { after?: number; includes?: string; timeoutMs?: number } = {}): Promise<{ entry: ReloadEvent; before: number }> {
  const before = counter(await nextFrameOf(game.backend));
  await game.backend.save('game.c', gameSource(0xdd0000, attack, opts.after, opts.includes));
  await expect.poll(() => game.events.find((e) => e.outcome === 'crash-rolled-back'), { timeout: opts.timeoutMs ?? 30_000, interval: 50 }).toBeTruthy();
  return { entry: game.events.find((e) => e.outcome === 'crash-rolled-back')!, before };
}

/** The game runs v1 again with a counter from before the bad version, and the next good save loads at once. */
export async function expectRecovered(game: Game, before: number, crash: Partial<CrashRecord>, stateBeforeVersion = true): Promise<void> {
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

/** Runner processes this test process started that are still alive (zombies are gone once reaped). */
export function runnerChildren(): number[] {
  return childrenOf(process.pid, 'runner');
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const line = status.split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
