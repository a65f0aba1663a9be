/** The trace view's order: children under their parent by start time; orphans at the top level. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TraceSpan } from "../../../../local/dashboard/dashboard-source.ts";
import { treeOrder } from "../../../../local/dashboard/page/views/trace.ts";

const span = (span_id: string, start_ms: number, parent_span_id?: string): TraceSpan => ({
  trace_id: "t",
  span_id,
  ...(parent_span_id ? { parent_span_id } : {}),
  name: span_id,
  start_ms,
  end_ms: start_ms + 10,
  status: "ok",
  summary: "",
});

describe("trace view", () => {
  it("orders spans depth-first by start time", () => {
    const order = treeOrder([
      span("step-2", 30, "job"),
      span("job", 10, "event"),
      span("event", 0),
      span("step-1", 20, "job"),
      span("orphan", 5, "gone"),
    ]);
    assert.deepEqual(
      order.map((o) => `${o.depth}:${o.span.span_id}`),
      ["0:event", "1:job", "2:step-1", "2:step-2", "0:orphan"],
    );
  });
});
