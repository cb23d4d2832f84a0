/**
 * §12 the timeline's history: what keeping the last seconds costs per frame (libkiln's own timing of
 * kiln__history_frame_end, and a frame with the history on against off), the bytes a kept frame takes after
 * delta compression, how many seconds fit the default 64 MiB, and a scrub (kiln_history_seek: decode + restore +
 * commit + redraw) in ms. libkiln is driven in this process through the runner's own koffi bindings, on the
 * images Kiln builds (tcc, the fast profile).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compilerFlags, findCompiler } from '../electron/core/compiler';
import type { KilnPaths } from '../electron/core/paths';
import { loadLibKiln } from '../electron/runner/libkiln';
import { sampled, single, type Figure } from './figures';
import type { Fixture } from './game';

const BUDGET = 64 * 1024 * 1024;
const BLOCK = 256; // libkiln's record_us is the mean of the last 256 frames

export async function historyCosts(paths: KilnPaths, fx: Fixture[], frames: number, seeks: number, log: (s: string) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-history-'));
  const lib = loadLibKiln(paths.libkiln);
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  if (!lib.history) throw new Error('this libkiln has no history (kiln_history_*): rebuild it (npm run build:native)');
  const history = lib.history;
  try {
    const tcc = await findCompiler('tcc');
    for (const f of fx) {
      const image = path.join(dir, `${f.id}.so`);
      const [exe, ...pre] = tcc.command;
      execFileSync(exe, [...pre, ...compilerFlags(tcc, 'fast'), '-I', paths.includeDir, '-o', image, path.join(f.dir, f.source)], { stdio: 'pipe' });

      // the same game with the history off, then on: the difference is what keeping it costs a frame
      const frameTimes = (budget: number) => {
        const rt = lib.create(f.width, f.height, path.join(dir, `${f.id}-${budget}`));
        if (!rt) throw new Error(lib.createError());
        const r = lib.load(rt, { name: f.plugin, path: image, version: 1 });
        if (r.code < 0) throw new Error(r.error);
        history.setBudget(rt, budget);
        const us: number[] = [];
        const recordUs: number[] = [];
        for (let i = 0; i < frames; i++) {
          lib.setKey(rt, 87, i % 90 < 45 ? 1 : 0); // W held for part of the time: input to record
          const t = performance.now();
          lib.frame(rt, 1 / 60);
          us.push((performance.now() - t) * 1000);
          if (budget && (i + 1) % BLOCK === 0) recordUs.push(history.info(rt).record_us);
        }
        return { rt, us, recordUs };
      };
      const off = frameTimes(0);
      lib.destroy(off.rt);
      const on = frameTimes(BUDGET);
      const info = history.info(on.rt);
      const perFrame = info.bytes / Math.max(1, info.frames);
      const rawPerFrame = info.raw_bytes / Math.max(1, info.frames);
      const secondsInBudget = BUDGET / perFrame / 60;

      const seekMs: number[] = [];
      for (let i = 0; i < seeks; i++) {
        const frame = info.first + Math.floor(((i * 7919) % 1000) / 1000 * (info.last - info.first));
        const t = performance.now();
        const rc = history.seek(on.rt, frame);
        seekMs.push(performance.now() - t);
        if (rc < 0) throw new Error(`seek to ${frame} failed: ${lib.threadLastError()}`);
      }
      lib.destroy(on.rt);

      const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const extra = p50(on.us) - p50(off.us);
      figures.push(
        sampled(`history.record.${f.id}`, 12, `history: keeping one frame (libkiln's timing, mean per ${BLOCK} frames): ${f.id}`, 'us', on.recordUs),
        single(`history.frame_extra.${f.id}`, 12, `history: p50 frame on minus off (koffi call included in both): ${f.id}`, 'us', extra, frames),
        single(`history.bytes.${f.id}`, 12, `history: bytes per kept frame, delta-compressed (raw ${Math.round(rawPerFrame)}): ${f.id}`, 'count', perFrame, info.frames),
        single(`history.seconds.${f.id}`, 12, `history: seconds at 60 fps that fit 64 MiB: ${f.id}`, 'count', secondsInBudget, info.frames),
        sampled(`history.seek.${f.id}`, 12, `history: scrub to a kept frame (decode + restore + commit + redraw): ${f.id}`, 'ms', seekMs),
      );
      details[f.id] = { frames: info.frames, keyframes: info.keyframes, bytes: info.bytes, rawBytes: info.raw_bytes, perFrame, rawPerFrame, secondsInBudget };
      log(`  ${f.id}: ${Math.round(perFrame)} B/frame (raw ${Math.round(rawPerFrame)}), ${info.keyframes} keyframes in ${info.frames}, record ${p50(on.recordUs).toFixed(2)} us, seek p50 ${p50(seekMs).toFixed(2)} ms, ${Math.round(secondsInBudget)} s in 64 MiB`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { figures, details };
}
