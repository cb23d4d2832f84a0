/**
 * §2 Frame pacing at the frame consumer: the gaps between frames reaching it while pong runs at 60 fps, first with
 * nothing happening (baseline), then while reloads happen one after another. The consumer reads the web shell's
 * frame relay stream, as the editor's page does (the frames a user sees never pass the back end's event loop).
 *
 * The same run also measures how long the runner's game thread is held up by a reload (§3's runner figures).
 * The runner calls kiln_load_plugin through koffi's .async on a worker thread, so the reload log's loadMs is
 * not time the game loop waits. Two things the game thread does are measured instead, per runner frame:
 *  - the kiln_frame call (the runner's own timing, `frameTimes` in its session reports, µs): a game thread
 *    waiting on libkiln's frame lock while a load swaps (or on anything else a load holds) waits in here;
 *  - the interval between two ticks of the game loop (the dt the runner passes to kiln_frame, read back from
 *    bench/fixtures/probe/probe.c, a second plugin that draws the last 16 dts into pixels): anything that holds
 *    the game thread between frames — the load's completion handler, IPC — shows here, at timer resolution (~1 ms).
 * Each is compared between windows around a reload (from the last frame the consumer had before the save to
 * two frames after the first frame of the new code) and windows of the same length without reloads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KilnPaths } from '../electron/core/paths';
import type { GameSession } from '../electron/shared/contract';
import { sampled, single, withTarget, type Figure } from './figures';
import { BenchGame, hrMs, sleep, type Fixture } from './game';
import { summarise } from './stats';

const FRAME_MS = 1000 / 60;
const PROBE_PIXELS = 16;

interface Window {
  intervals: number[];
  skippedFrameNumbers: number;
  over2x: number;
  /** Each interval over 2×: its length and the runner frame numbers at its ends (a gap > 1: frames not sent). */
  long: Array<{ ms: number; from: number; to: number }>;
}

function record(game: BenchGame): { stop: () => Window } {
  const intervals: number[] = [];
  let last: { ms: number; n: number } | null = null;
  let skipped = 0;
  const long: Window['long'] = [];
  const off = game.onFrame((frame, ms) => {
    if (last) {
      intervals.push(ms - last.ms);
      if (ms - last.ms > 2 * FRAME_MS) long.push({ ms: ms - last.ms, from: last.n, to: frame.frame });
      if (frame.frame > last.n + 1) skipped += frame.frame - last.n - 1;
    }
    last = { ms, n: frame.frame };
  });
  return {
    stop() {
      off();
      return { intervals, skippedFrameNumbers: skipped, over2x: long.length, long };
    },
  };
}

/** Per runner frame number: the tick interval (probe, µs) and the kiln_frame call (session frameTimes, µs). */
class GameThreadLog {
  readonly tickUs = new Map<number, number>();
  readonly frameCallUs = new Map<number, number>();
  /** libkiln's split of the same calls (kiln_last_frame_timing): the wait for the frame lock, and lock wait + the
   *  game thread's CPU time (the call less the time it was preempted). */
  readonly lockWaitUs = new Map<number, number>();
  readonly onCpuUs = new Map<number, number>();
  readonly probeOffsets = new Set<number>();
  private offs: Array<() => void> = [];

  constructor(game: BenchGame) {
    this.offs.push(game.onFrame((frame) => {
      const px = (x: number) => {
        const i = x * 4; // row 0
        return (frame.pixels[i] << 16) | (frame.pixels[i + 1] << 8) | frame.pixels[i + 2];
      };
      const n = px(0); // probe updates so far, = runner frame number when both plugins loaded at start
      this.probeOffsets.add(frame.frame - n);
      for (let k = 0; k < PROBE_PIXELS && n - k > 1; k++) this.tickUs.set(frame.frame - k, px(k + 1));
    }));
    const onSession = (s: GameSession) => {
      const frameOf = (i: number, n: number) => s.frame - (n - 1 - i);
      s.frameTimes.forEach((ms, i) => this.frameCallUs.set(frameOf(i, s.frameTimes.length), ms * 1000));
      const waits = s.frameLockWaits ?? [];
      waits.forEach((ms, i) => this.lockWaitUs.set(frameOf(i, waits.length), ms * 1000));
      const cpu = s.frameCpuTimes ?? [];
      cpu.forEach((ms, i) => { if (ms >= 0) this.onCpuUs.set(frameOf(i, cpu.length), (ms + (waits[i] ?? 0)) * 1000); });
    };
    game.backend.on('session', onSession);
    this.offs.push(() => game.backend.off('session', onSession));
  }

  stop(): void {
    for (const off of this.offs) off();
  }

  /** Largest value of `m` over frames first..last (inclusive); NaN when none was seen. */
  static max(m: Map<number, number>, first: number, last: number): number {
    let best = NaN;
    for (let n = first; n <= last; n++) {
      const v = m.get(n);
      if (v !== undefined && !(v <= best)) best = v;
    }
    return best;
  }
}

export async function framePacing(paths: KilnPaths, f: Fixture, reloads: number, baselineMs: number, log: (s: string) => void) {
  const probe = { name: 'probe', file: path.join(paths.root, 'bench', 'fixtures', 'probe', 'probe.c') };
  const game = await BenchGame.open(f, 'tcc', paths, [probe], { viaRelay: true });
  const threadLog = new GameThreadLog(game);
  try {
    await sleep(500);
    const baseFirst = game.lastFrameNo + 1;
    const base = record(game);
    await sleep(baselineMs);
    const baseline = base.stop();
    const baseLast = game.lastFrameNo;

    const during = record(game);
    const t0 = hrMs();
    let done = 0;
    const windows: Array<[number, number]> = [];
    for (let i = 0; i < reloads; i++) {
      const r = await game.edit();
      if (r) {
        done++;
        windows.push([r.frameBefore + 1, r.frameShown + 2]);
      }
      await sleep(40); // a few frames between saves, as a fast typist with autosave would give
    }
    const withReloads = during.stop();
    const seconds = (hrMs() - t0) / 1000;
    // Control: the same compiles with no reload after them (the bare command, spawned by the bench), windows from the
    // last frame before the spawn to two frames after it exits: what a compiler on the other core does to the game
    // thread by itself (cache and memory-bus contention make the same frame cost more CPU time).
    const controls: Array<[number, number]> = [];
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-control-'));
    try {
      for (let i = 0; i < reloads; i++) {
        const first = game.lastFrameNo + 1;
        await game.bareCompile(outDir);
        const last = game.lastFrameNo + 2;
        await sleep(40);
        controls.push([first, last]);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    await sleep(400); // the session report covering the last window
    threadLog.stop();

    // Baseline windows: the baseline stretch cut into windows as long as the median reload window.
    const len = Math.max(2, summarise(windows.map(([a, b]) => b - a + 1)).p50 || 2);
    const baseWindows: Array<[number, number]> = [];
    for (let a = baseFirst; a + len - 1 <= baseLast; a += len) baseWindows.push([a, a + len - 1]);
    const maxes = (m: Map<number, number>, ws: Array<[number, number]>) => ws.map(([a, b]) => GameThreadLog.max(m, a, b)).filter(Number.isFinite);
    const callBase = maxes(threadLog.frameCallUs, baseWindows);
    const callReload = maxes(threadLog.frameCallUs, windows);
    const tickBase = maxes(threadLog.tickUs, baseWindows).map((us) => us / 1000);
    const tickReload = maxes(threadLog.tickUs, windows).map((us) => us / 1000);
    const callExcess = summarise(callReload).p95 - summarise(callBase).p95;
    const waitBase = maxes(threadLog.lockWaitUs, baseWindows);
    const waitReload = maxes(threadLog.lockWaitUs, windows);
    const onCpuBase = maxes(threadLog.onCpuUs, baseWindows);
    const onCpuReload = maxes(threadLog.onCpuUs, windows);
    const onCpuControl = maxes(threadLog.onCpuUs, controls);
    // Per frame from 3 before the first frame of the new code to 2 after it: lock wait + CPU time, p50 / p95 (µs).
    const onCpuAroundFirstNew = Object.fromEntries([-3, -2, -1, 0, 1, 2].map((k) => {
      const v = windows.map(([, b]) => threadLog.onCpuUs.get(b - 2 + k)).filter((x): x is number => x !== undefined);
      return [k, [summarise(v).p50, summarise(v).p95]];
    }));
    const onCpuExcess = summarise(onCpuReload).p95 - summarise(onCpuBase).p95;
    const onCpuOverCompile = summarise(onCpuReload).p95 - summarise(onCpuControl).p95;
    const tickExcess = summarise(tickReload).p95 - summarise(tickBase).p95;

    log(`  baseline ${baseline.intervals.length} intervals, ${baseline.over2x} over 2×; reloads ${withReloads.intervals.length} intervals, ${withReloads.over2x} over 2×`);
    log(`  game thread, max per window: kiln_frame p95 ${summarise(callBase).p95} → ${summarise(callReload).p95} µs (lock wait ${summarise(waitBase).p95} → ${summarise(waitReload).p95}, lock wait + CPU ${summarise(onCpuBase).p95} → ${summarise(onCpuReload).p95}, beside a bare compile ${summarise(onCpuControl).p95}; first new frame p50 ${onCpuAroundFirstNew[0][0]} against ${onCpuAroundFirstNew[-1][0]} before it); tick interval p95 ${summarise(tickBase).p95} → ${summarise(tickReload).p95} ms`);
    const w = `${len}-frame windows`;
    const figures: Figure[] = [
      sampled('pacing.baseline', 2, 'frame interval at the consumer, no reloads', 'ms', baseline.intervals),
      sampled('pacing.reloads', 2, `frame interval at the consumer, during ${done} reloads`, 'ms', withReloads.intervals),
      single('pacing.over2x.baseline', 2, '  frames over 2× the interval (33.3 ms), no reloads', 'count', baseline.over2x, baseline.intervals.length),
      withTarget(
        single('pacing.over2x.reloads', 2, `  frames over 2× the interval (33.3 ms), during ${done} reloads`, 'count', withReloads.over2x, withReloads.intervals.length),
        'frames over 2× the frame interval during 100 reloads at 60 fps: 0',
        [{ on: 'value', limit: 0 }],
      ),
      sampled('blocked.runner.frameCall.baseline', 3, `runner game thread: longest kiln_frame call per ${w}, no reloads`, 'us', callBase,
        'the runner\'s own timing of kiln_frame (session frameTimes); pong + probe plugins'),
      sampled('blocked.runner.frameCall.reloads', 3, `runner game thread: longest kiln_frame call per reload window (§2 reloads)`, 'us', callReload,
        'window: last frame before the save → 2 frames after the first new frame; a wait on the frame lock would be in here'),
      single('blocked.runner.frameCallExcess', 3, '  kiln_frame longer in reload windows (wall clock, preemption included): p95 reload − p95 baseline', 'us', callExcess, callReload.length,
        'a compiler on the same 2 cores preempts the game thread; the next two rows take that out'),
      sampled('blocked.runner.lockWait.reloads', 3, 'runner game thread: longest wait for libkiln\'s frame lock per reload window', 'us', waitReload,
        'libkiln\'s own timing (kiln_last_frame_timing): the swap, state reads and resets hold the lock'),
      sampled('blocked.runner.onCpu.reloads', 3, 'runner game thread: longest kiln_frame lock wait + CPU time per reload window', 'us', onCpuReload),
      sampled('blocked.runner.onCpu.compileOnly', 3, `  the same per window around a bare compile with no reload (${controls.length} compiles)`, 'us', onCpuControl,
        'a compiler on the other core makes the same frame cost more CPU time (caches, memory bus)'),
      single('blocked.runner.onCpuExcess', 3, '  kiln_frame lock wait + CPU time in reload windows: p95 reload − p95 baseline (no compile)', 'us', onCpuExcess, onCpuReload.length),
      withTarget(
        single('blocked.runner.onCpuOverCompile', 3, '  runner game thread blocked by a reload inside kiln_frame: p95 reload − p95 beside a bare compile', 'us', onCpuOverCompile, onCpuReload.length),
        'game thread blocked ≤ 50 µs (runner, inside kiln_frame)', [{ on: 'value', limit: 50 }]),
      sampled('blocked.runner.tick.baseline', 3, `runner game thread: longest tick-to-tick interval per ${w}, no reloads`, 'ms', tickBase,
        'the dt the runner passes to kiln_frame, read back by the probe plugin; timer resolution ~1 ms'),
      sampled('blocked.runner.tick.reloads', 3, 'runner game thread: longest tick-to-tick interval per reload window', 'ms', tickReload),
      single('blocked.runner.tickExcess', 3, '  runner game loop held up by a reload between frames: p95 reload − p95 baseline', 'ms', tickExcess, tickReload.length,
        'includes timer jitter (~1 ms) and the work a reload adds on the game thread: the load\'s completion, an early tick for the new code'),
    ];
    return {
      figures,
      details: {
        reloads: done,
        onCpuAroundFirstNew,
        reloadWindowSeconds: Math.round(seconds * 10) / 10,
        baselineSkippedFrameNumbers: baseline.skippedFrameNumbers,
        reloadsSkippedFrameNumbers: withReloads.skippedFrameNumbers,
        longestIntervalsDuringReloadsMs: [...withReloads.intervals].sort((a, b) => b - a).slice(0, 5).map((v) => Math.round(v * 10) / 10),
        // Where each interval over 2× came from: frames the runner did not send (gap > 1), its game loop late (the
        // tick dt of the frame that ended it), or the way from the runner to the consumer (neither).
        over2xDuringReloads: withReloads.long.map(({ ms, from, to }) => ({
          ms: Math.round(ms * 10) / 10,
          framesNotSent: to - from - 1,
          tickMs: (threadLog.tickUs.get(to) ?? NaN) / 1000,
          ticksBeforeMs: Array.from({ length: to - from - 1 }, (_, k) => (threadLog.tickUs.get(from + 1 + k) ?? NaN) / 1000),
          inReloadWindow: windows.some(([a, b]) => to >= a && from <= b),
        })),
        gameThread: {
          windowFrames: len,
          baselineWindows: baseWindows.length,
          reloadWindows: windows.length,
          framesWithCallTime: threadLog.frameCallUs.size,
          framesWithTickTime: threadLog.tickUs.size,
          probeFrameOffsets: [...threadLog.probeOffsets],
          longestFrameCallsInReloadWindowsUs: [...callReload].sort((a, b) => b - a).slice(0, 5),
          longestFrameCallsInBaselineUs: [...callBase].sort((a, b) => b - a).slice(0, 5),
          longestTicksInReloadWindowsMs: [...tickReload].sort((a, b) => b - a).slice(0, 5),
          longestTicksInBaselineMs: [...tickBase].sort((a, b) => b - a).slice(0, 5),
        },
      },
    };
  } finally {
    threadLog.stop();
    await game.dispose();
  }
}
