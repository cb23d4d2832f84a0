/**
 * §2 Frame pacing at the frame consumer: the gaps between 'frame' events while pong runs at 60 fps,
 * first with nothing happening (baseline), then while reloads happen one after another.
 */
import type { KilnPaths } from '../electron/core/paths';
import { sampled, single, withTarget, type Figure } from './figures';
import { BenchGame, hrMs, sleep, type Fixture } from './game';

const FRAME_MS = 1000 / 60;

interface Window {
  intervals: number[];
  skippedFrameNumbers: number;
  over2x: number;
}

function record(game: BenchGame): { stop: () => Window } {
  const intervals: number[] = [];
  let last: { ms: number; n: number } | null = null;
  let skipped = 0;
  const off = game.onFrame((frame, ms) => {
    if (last) {
      intervals.push(ms - last.ms);
      if (frame.frame > last.n + 1) skipped += frame.frame - last.n - 1;
    }
    last = { ms, n: frame.frame };
  });
  return {
    stop() {
      off();
      return { intervals, skippedFrameNumbers: skipped, over2x: intervals.filter((v) => v > 2 * FRAME_MS).length };
    },
  };
}

export async function framePacing(paths: KilnPaths, f: Fixture, reloads: number, baselineMs: number, log: (s: string) => void) {
  const game = await BenchGame.open(f, 'tcc', paths);
  try {
    await sleep(500);
    const base = record(game);
    await sleep(baselineMs);
    const baseline = base.stop();

    const during = record(game);
    const t0 = hrMs();
    let done = 0;
    for (let i = 0; i < reloads; i++) {
      if (await game.edit()) done++;
      await sleep(40); // a few frames between saves, as a fast typist with autosave would give
    }
    const withReloads = during.stop();
    const seconds = (hrMs() - t0) / 1000;
    log(`  baseline ${baseline.intervals.length} intervals, ${baseline.over2x} over 2×; reloads ${withReloads.intervals.length} intervals, ${withReloads.over2x} over 2×`);
    const figures: Figure[] = [
      sampled('pacing.baseline', 2, 'frame interval at the consumer, no reloads', 'ms', baseline.intervals),
      sampled('pacing.reloads', 2, `frame interval at the consumer, during ${done} reloads`, 'ms', withReloads.intervals),
      single('pacing.over2x.baseline', 2, '  frames over 2× the interval (33.3 ms), no reloads', 'count', baseline.over2x, baseline.intervals.length),
      withTarget(
        single('pacing.over2x.reloads', 2, `  frames over 2× the interval (33.3 ms), during ${done} reloads`, 'count', withReloads.over2x, withReloads.intervals.length),
        'frames over 2× the frame interval during 100 reloads at 60 fps: 0',
        [{ on: 'value', limit: 0 }],
      ),
    ];
    return {
      figures,
      details: {
        reloads: done,
        reloadWindowSeconds: Math.round(seconds * 10) / 10,
        baselineSkippedFrameNumbers: baseline.skippedFrameNumbers,
        reloadsSkippedFrameNumbers: withReloads.skippedFrameNumbers,
        longestIntervalsDuringReloadsMs: [...withReloads.intervals].sort((a, b) => b - a).slice(0, 5).map((v) => Math.round(v * 10) / 10),
      },
    };
  } finally {
    await game.dispose();
  }
}
