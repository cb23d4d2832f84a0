/** Summaries of samples: nearest-rank percentiles, so every reported value is one that was measured. */

export interface Stats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarise(samples: number[]): Stats {
  const s = samples.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
  return {
    count: s.length,
    p50: round(percentile(s, 50)),
    p95: round(percentile(s, 95)),
    p99: round(percentile(s, 99)),
    min: round(s[0] ?? NaN),
    max: round(s[s.length - 1] ?? NaN),
    mean: round(mean),
  };
}

/** Four significant decimals is plenty for ms and ns alike. */
export function round(v: number): number {
  if (!Number.isFinite(v)) return v;
  const mag = Math.abs(v);
  const digits = mag >= 100 ? 1 : mag >= 1 ? 2 : mag >= 0.01 ? 4 : 6;
  return Number(v.toFixed(digits));
}
