/** Percentiles, medians and spreads of measured values. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** The latency percentiles the report and the chart show. */
export const LATENCY_PERCENTILES = [50, 90, 99, 99.9] as const;

export function latencyProfile(latenciesMs: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of LATENCY_PERCENTILES) out[`p${p}`] = percentile(latenciesMs, p);
  out.max = Math.max(...latenciesMs);
  return out;
}
