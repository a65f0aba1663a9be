/** The dashboard's chart data: per-minute counts, nearest-rank percentiles, failures by handler. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeMetrics, percentiles } from "../../../../local/dashboard/chart-data.ts";
import { AckLatencyRecorder } from "../../../../local/dashboard/ack-latency.ts";

const T0 = Date.parse("2026-03-02T10:00:00.000Z");
const MIN = 60_000;

describe("dashboard chart data", () => {
  it("takes nearest-rank percentiles", () => {
    assert.deepEqual(percentiles([]), { count: 0 });
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.deepEqual(percentiles(values), { count: 100, p50: 50, p95: 95, p99: 99 });
    assert.deepEqual(percentiles([7]), { count: 1, p50: 7, p95: 7, p99: 7 });
  });

  it("counts runs per minute by status, and failures per handler, over the window only", () => {
    const now = T0 + 30 * MIN + 20_000;
    const m = computeMetrics({
      now,
      windowMs: 60 * MIN,
      runs: [
        { finishedAt: now - 5_000, durationMs: 40, status: "succeeded", handler: "a" },
        { finishedAt: now - 6_000, durationMs: 60, status: "failed", handler: "b" },
        { finishedAt: now - 2 * MIN, durationMs: 80, status: "failed", handler: "b" },
        { finishedAt: now - 3 * MIN, status: "skipped", handler: "a" },
        { finishedAt: now - 3 * 60 * MIN, durationMs: 1, status: "failed", handler: "old" },
      ],
      latency: [{ name: "ack", label: "ack", samples: [{ at: now - 1000, ms: 3 }] }],
    });
    assert.equal(m.jobs_per_minute.length, 60);
    const last = m.jobs_per_minute.at(-1)!;
    assert.equal(last.at, "2026-03-02T10:30:00.000Z");
    assert.deepEqual([last.succeeded, last.failed, last.other], [1, 1, 0]);
    assert.equal(m.jobs_per_minute.at(-4)!.other, 1);
    assert.deepEqual(m.failures_by_handler, [
      { handler: "b", failed: 2, runs: 2 },
      { handler: "a", failed: 0, runs: 2 },
    ]);
    const run = m.latency.find((l) => l.name === "run")!;
    assert.deepEqual(run.overall, { count: 3, p50: 60, p95: 80, p99: 80 });
    assert.equal(run.buckets.length, 12);
    assert.equal(m.latency[0]!.name, "ack");
    assert.equal(m.latency[0]!.overall.count, 1);
  });

  it("keeps the newest acknowledgement samples in a ring", () => {
    const r = new AckLatencyRecorder(3);
    for (let i = 1; i <= 5; i++) r.record(i * 1000, i);
    assert.deepEqual(
      r.since(0).map((s) => s.ms),
      [3, 4, 5],
    );
    assert.deepEqual(
      r.since(4500).map((s) => s.ms),
      [5],
    );
  });
});
