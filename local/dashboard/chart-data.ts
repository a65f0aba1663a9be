/**
 * The dashboard's charts from raw samples, the same for every backend: jobs finished per minute,
 * latency percentiles (overall and per bucket) and failures by handler over a window.
 */
import type { LatencySeries, Metrics, Percentiles } from "./dashboard-source.ts";

const MINUTE_MS = 60_000;

/** One finished run. Times are epoch ms. */
export interface RunSample {
  readonly finishedAt: number;
  readonly durationMs?: number;
  /** succeeded, failed, skipped, dropped. */
  readonly status: string;
  readonly handler: string;
}

/** One latency measurement that ended at `at` (epoch ms). */
export interface LatencySample {
  readonly at: number;
  readonly ms: number;
}

export interface LatencyInput {
  readonly name: string;
  readonly label: string;
  readonly samples: readonly LatencySample[];
  readonly note?: string;
}

/** Nearest-rank percentiles of `values` (any order). */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99) };
}

function bucketStarts(now: number, windowMs: number, bucketMs: number): number[] {
  const last = Math.floor(now / bucketMs) * bucketMs;
  const n = Math.max(1, Math.ceil(windowMs / bucketMs));
  return Array.from({ length: n }, (_, i) => last - (n - 1 - i) * bucketMs);
}

function latencySeries(input: LatencyInput, starts: readonly number[], bucketMs: number, from: number): LatencySeries {
  const inWindow = input.samples.filter((s) => s.at >= from);
  return {
    name: input.name,
    label: input.label,
    overall: percentiles(inWindow.map((s) => s.ms)),
    buckets: starts.map((start) => ({
      at: new Date(start).toISOString(),
      ...percentiles(inWindow.filter((s) => s.at >= start && s.at < start + bucketMs).map((s) => s.ms)),
    })),
    ...(input.note ? { note: input.note } : {}),
  };
}

export function computeMetrics(input: {
  readonly now: number;
  readonly windowMs: number;
  /** Width of a latency bucket. @default 5 minutes */
  readonly bucketMs?: number;
  readonly runs: readonly RunSample[];
  /** Latency series besides the runs' own durations (the daemon's acknowledgement times). */
  readonly latency?: readonly LatencyInput[];
}): Metrics {
  const { now, windowMs } = input;
  const bucketMs = input.bucketMs ?? 5 * MINUTE_MS;
  const minutes = bucketStarts(now, windowMs, MINUTE_MS);
  const from = minutes[0]!;
  const runs = input.runs.filter((r) => r.finishedAt >= from && r.finishedAt <= now + MINUTE_MS);

  const perMinute = minutes.map((at) => ({ at, succeeded: 0, failed: 0, other: 0 }));
  for (const r of runs) {
    const slot = perMinute[Math.floor((r.finishedAt - from) / MINUTE_MS)];
    if (!slot) continue;
    if (r.status === "succeeded") slot.succeeded += 1;
    else if (r.status === "failed") slot.failed += 1;
    else slot.other += 1;
  }

  const byHandler = new Map<string, { failed: number; runs: number }>();
  for (const r of runs) {
    const h = byHandler.get(r.handler) ?? { failed: 0, runs: 0 };
    h.runs += 1;
    if (r.status === "failed") h.failed += 1;
    byHandler.set(r.handler, h);
  }

  const starts = bucketStarts(now, windowMs, bucketMs);
  const runLatency: LatencyInput = {
    name: "run",
    label: "run time",
    samples: runs.filter((r) => r.durationMs !== undefined).map((r) => ({ at: r.finishedAt, ms: r.durationMs! })),
  };
  return {
    window_ms: windowMs,
    generated_at: new Date(now).toISOString(),
    jobs_per_minute: perMinute.map((m) => ({ ...m, at: new Date(m.at).toISOString() })),
    bucket_ms: bucketMs,
    latency: [...(input.latency ?? []), runLatency].map((l) => latencySeries(l, starts, bucketMs, from)),
    failures_by_handler: [...byHandler.entries()]
      .map(([handler, h]) => ({ handler, ...h }))
      .sort((a, b) => b.failed - a.failed || b.runs - a.runs || a.handler.localeCompare(b.handler)),
  };
}
