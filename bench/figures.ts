/** The unit of the report: one measured figure, its samples' summary, and the DESIGN.md target it answers. */
import { summarise, round, type Stats } from './stats';

export type Unit = 'ms' | 'us' | 'ns' | 'kB' | 'count' | 'ratio';
export type JudgedOn = 'p50' | 'p95' | 'p99' | 'value';

export interface Check {
  on: JudgedOn;
  limit: number;
  measured: number;
  met: boolean;
}

export interface Target {
  /** The row of DESIGN.md's Targets table, in its words. */
  text: string;
  checks: Check[];
  met: boolean;
}

export interface Figure {
  id: string; // stable across runs, e.g. "latency.pong.tcc"
  section: number; // 1-7, as in docs/BENCHMARK.md
  title: string;
  unit: Unit;
  /** Samples summarised (count, p50, p95, p99, min, max, mean) — or a single value with its sample count. */
  stats: Stats | null;
  value: number | null;
  count: number;
  target: Target | null;
  note?: string;
}

export function sampled(id: string, section: number, title: string, unit: Unit, samples: number[], note?: string): Figure {
  const stats = summarise(samples);
  return { id, section, title, unit, stats, value: null, count: stats.count, target: null, note };
}

export function single(id: string, section: number, title: string, unit: Unit, value: number, count: number, note?: string): Figure {
  return { id, section, title, unit, stats: null, value: round(value), count, target: null, note };
}

/** Attach a target: every check must hold. An unmeasured value (NaN, no samples) is a miss. */
export function withTarget(f: Figure, text: string, checks: Array<{ on: JudgedOn; limit: number }>): Figure {
  const done: Check[] = checks.map(({ on, limit }) => {
    const measured = on === 'value' ? f.value ?? NaN : f.stats ? f.stats[on] : NaN;
    return { on, limit, measured, met: Number.isFinite(measured) && measured <= limit };
  });
  return { ...f, target: { text, checks: done, met: done.every((c) => c.met) } };
}
