/**
 * The bench's results: each figure with its value and unit, the baseline it is compared with
 * (measured in the same run), the ratio, the target and whether it was met. Repeated runs are kept
 * (`runs`) and the figure is their median; `bench/results.json` holds the lot with the machine.
 */
import { cpus, loadavg, release, totalmem, type } from "node:os";
import { median } from "./stats.ts";

export const Comparison = { AT_MOST: "<=", AT_LEAST: ">=", BELOW: "<", EQUAL: "==" } as const;
export type Comparison = (typeof Comparison)[keyof typeof Comparison];

export interface Target {
  /** What the target tests: the figure's value, or its ratio to the baseline. */
  readonly on: "value" | "ratio";
  readonly op: Comparison;
  readonly limit: number;
  /** A stretch goal: reported, not required. */
  readonly stretch?: boolean;
}

export interface Baseline {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

export interface FigureResult {
  /** `1.throughput`, `6.ingest` ...: the figure number, then what. */
  readonly id: string;
  readonly figure: number;
  readonly title: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: Baseline;
  /** value / baseline (or as the figure defines it, e.g. Probot's time over ours). */
  readonly ratio?: number;
  /** No target: reported only (e.g. jobs/s). */
  readonly target?: Target;
  /** undefined when there is no target. */
  readonly met?: boolean;
  /** The tested quantity (value or ratio) in each repeated run. */
  readonly runs: readonly number[];
  /** What else was measured (raw counts, percentiles, notes). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export function meets(x: number, t: Target): boolean {
  switch (t.op) {
    case Comparison.AT_MOST:
      return x <= t.limit;
    case Comparison.AT_LEAST:
      return x >= t.limit;
    case Comparison.BELOW:
      return x < t.limit;
    case Comparison.EQUAL:
      return x === t.limit;
  }
}

/** Builds a figure from per-run measurements: value and ratio are medians over the runs. */
export function figure(input: {
  id: string;
  figure: number;
  title: string;
  unit: string;
  values: readonly number[];
  baselineName?: string;
  baselineUnit?: string;
  baselines?: readonly number[];
  /** Ratio per run; @default value / baseline per run */
  ratios?: readonly number[];
  target?: Target;
  detail?: Record<string, unknown>;
}): FigureResult {
  const value = median(input.values);
  const ratios =
    input.ratios ?? (input.baselines ? input.values.map((v, i) => v / (input.baselines![i] ?? NaN)) : undefined);
  const ratio = ratios ? median(ratios) : undefined;
  const tested = input.target?.on === "ratio" ? (ratios ?? []) : input.values;
  const at = input.target?.on === "ratio" ? ratio : value;
  return {
    id: input.id,
    figure: input.figure,
    title: input.title,
    value,
    unit: input.unit,
    ...(input.baselines
      ? {
          baseline: {
            name: input.baselineName ?? "baseline",
            value: median(input.baselines),
            unit: input.baselineUnit ?? input.unit,
          },
        }
      : {}),
    ...(ratio !== undefined ? { ratio } : {}),
    ...(input.target ? { target: input.target, met: at !== undefined && meets(at, input.target) } : {}),
    runs: tested,
    ...(input.detail ? { detail: input.detail } : {}),
  };
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly pinning: string;
  readonly storeDir: string;
  /** 1-minute load average when the bench started and ended: how busy the machine was. */
  readonly loadAverage: { start: number; end?: number };
}

export function describeMachine(pinning: string, storeDir: string): Machine {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    os: `${type()} ${release()}`,
    node: process.version,
    pinning,
    storeDir,
    loadAverage: { start: loadavg()[0]! },
  };
}

export interface BenchResults {
  readonly generatedAt: string;
  readonly mode: "full" | "quick";
  readonly command: string;
  readonly machine: Machine;
  readonly figures: readonly FigureResult[];
  /** Latency percentiles of the paced ack-path run per target (the chart). */
  readonly ackLatency?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}
