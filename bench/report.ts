/** The printed table and bench/results.json (schema "kiln-bench/1", documented in docs/BENCHMARK.md). */
import { writeFileSync } from 'node:fs';
import type { Figure } from './figures';
import type { MachineInfo } from './machine';

export interface Results {
  schema: 'kiln-bench/1';
  createdAt: string;
  mode: 'full' | 'quick';
  durationSeconds: number;
  machine: MachineInfo;
  figures: Figure[];
  targets: Array<{ target: string; figure: string; met: boolean; checks: NonNullable<Figure['target']>['checks'] }>;
  details: Record<string, unknown>;
}

const SECTIONS: Record<number, string> = {
  1: '1. Save → first frame of new code (KilnBackend.save → frame listener)',
  2: '2. Frame pacing at the consumer, pong at 60 fps',
  3: '3. Swap cost inside libkiln (kiln_last_load_time, C harness) and the runner\'s game thread around reloads (§2 run)',
  4: '4. Call overhead (C harness, gcc -O2)',
  5: '5. Soak: reloads in a row, runner process before → after',
  6: '6. Crash recovery',
  7: '7. The alternative: restart the game process on every edit',
  8: '8. Scripted session (issue 7): saves across two plugins, compile errors and crashes mixed in',
  9: '9. What the user sees: Ctrl+S in the real editor (web shell, Chromium) → first painted canvas with the new code',
  10: '10. The seed\'s design (50 ms sleep, copy, dlopen, dlsym, swap) beside libkiln\'s hr_* engine, same images',
  11: '11. Games with many files: save of one file → first new frame (per-unit builds)',
  12: '12. The timeline\'s history: cost and bytes per frame, scrub time',
  13: '13. The world: 10,000 entities per frame, a component migrated over 10,000 entities',
  14: '14. Sound: the frame that asked for a sound → the sound starting in the page (Web Audio)',
  15: '15. Art reload: an image replaced on disk → the painted canvas shows it (Chromium)',
  16: '16. A game key in the editor → the painted canvas showing the game\'s answer (web shell, Chromium)',
};

function fmt(v: number | undefined | null): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function status(f: Figure): string {
  if (!f.target) return '';
  const why = f.target.checks.map((c) => `${c.on} ≤ ${c.limit}`).join(', ');
  return `${f.target.met ? 'MET   ' : 'MISSED'} (${why})`;
}

export function printTable(r: Results, out: (s: string) => void): void {
  const m = r.machine;
  out('');
  out(`Kiln benchmark (${r.mode}) — ${r.createdAt}, ${r.durationSeconds} s`);
  out(`machine: ${m.cores} cores, ${m.cpu}, ${m.os}, node ${m.node}`);
  out(`compilers: ${m.compilers.tcc ?? 'tcc: not found'} | ${m.compilers.gcc ?? 'gcc: not found'} | zig ${m.compilers.zig ?? 'not found'} (npm)`);
  const load = r.details.loadAverage as { atStart: number[]; atEnd: number[] } | undefined;
  if (load) out(`load average (1/5/15 min): ${load.atStart.join(' ')} at start, ${load.atEnd.join(' ')} at end`);
  out(`commit: ${m.commit ?? '?'}${m.dirtyTree ? ' (working tree has uncommitted changes)' : ''}`);
  const w = Math.max(...r.figures.map((f) => f.title.length), 40);
  const head = `${'figure'.padEnd(w)}  unit     n      p50      p95      p99  target`;
  for (const section of [...new Set(r.figures.map((f) => f.section))].sort((a, b) => a - b)) {
    out('');
    out(SECTIONS[section] ?? `${section}.`);
    out(head);
    for (const f of r.figures.filter((x) => x.section === section)) {
      const cells = f.stats
        ? [fmt(f.stats.p50), fmt(f.stats.p95), fmt(f.stats.p99)]
        : [fmt(f.value), '', ''];
      out(`${f.title.padEnd(w)}  ${f.unit.padEnd(5)} ${String(f.count).padStart(5)} ${cells.map((c) => c.padStart(8)).join(' ')}  ${status(f)}`);
      if (f.note) out(`${''.padEnd(w)}  (${f.note})`);
    }
  }
  out('');
  const met = r.targets.filter((t) => t.met).length;
  out(`targets: ${met} of ${r.targets.length} met`);
  for (const t of r.targets.filter((x) => !x.met)) out(`  missed: ${t.target}  [${t.figure}: ${t.checks.map((c) => `${c.on} ${fmt(c.measured)} vs ≤ ${c.limit}`).join(', ')}]`);
}

export function writeResults(file: string, r: Results): void {
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
}
