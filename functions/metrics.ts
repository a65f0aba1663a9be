/**
 * One CloudWatch Embedded Metric Format line per outcome (received, enqueued, duplicate, failed,
 * dead_lettered, ...): CloudWatch turns the log line into a metric, no API call, no client.
 */
export const Metric = {
  RECEIVED: "received",
  ENQUEUED: "enqueued",
  DUPLICATE: "duplicate",
  REJECTED: "rejected",
  COMPLETED: "completed",
  SKIPPED: "skipped",
  SUPERSEDED: "superseded",
  DEFERRED: "deferred",
  BUSY: "busy",
  FAILED: "failed",
  /** A run stopped at an approval gate and waits in the table. */
  PARKED: "parked",
  /** A gate's timer message was handled (it waits on, or its default decided). */
  GATE_CHECKED: "gate_checked",
  DEAD_LETTERED: "dead_lettered",
  /** A job a budget refused (shared/guardrails/budget-gate.ts). */
  BUDGET_EXCEEDED: "budget_exceeded",
  /** The storm breaker paused a source (shared/guardrails/storm-breaker.ts): the `SourcePaused` alarm. */
  SOURCE_PAUSED: "source_paused",
} as const;
export type Metric = (typeof Metric)[keyof typeof Metric];

export const METRIC_NAMESPACE = "LoopEventDriven";

export type MetricSink = (metric: Metric, count?: number, dimensions?: Readonly<Record<string, string>>) => void;

export function emfMetrics(
  write: (line: string) => void,
  opts: { service: string; namespace?: string; now?: () => number },
): MetricSink {
  const now = opts.now ?? Date.now;
  return (metric, count = 1, dimensions = {}) => {
    const dims = { service: opts.service, ...dimensions };
    write(
      JSON.stringify({
        _aws: {
          Timestamp: now(),
          CloudWatchMetrics: [
            {
              Namespace: opts.namespace ?? METRIC_NAMESPACE,
              Dimensions: [Object.keys(dims)],
              Metrics: [{ Name: metric, Unit: "Count" }],
            },
          ],
        },
        ...dims,
        [metric]: count,
      }),
    );
  };
}

export const noMetrics: MetricSink = () => {};
