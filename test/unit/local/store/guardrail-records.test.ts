import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import type { EventResult } from "../../../../shared/events/event.ts";
import type { SpanRecord } from "../../../../shared/tracing/span-record.ts";
import { rootOf } from "../../../../shared/tracing/trace-context.ts";
import { manualClock, openTemp, submit, tempDir } from "./store-fixtures.ts";

describe("embedded store: budget counters", () => {
  it("applies changes all or nothing: a limit that does not hold changes no count", async () => {
    const store = openTemp();
    const exp = Date.now() + 3_600_000;
    const runs = { key: "budget/all/hour/x", field: "runs", add: 1, below: 2, expiresAt: exp };
    const tokens = { key: "budget/all/day/x", field: "tokens", add: 0, below: 100, expiresAt: exp };
    assert.deepEqual(await store.counters.apply([runs, tokens]), { ok: true });
    assert.deepEqual(await store.counters.apply([{ ...tokens, add: 150, below: undefined }]), { ok: true });
    const refused = await store.counters.apply([runs, tokens]);
    assert.deepEqual(refused, { ok: false, refused: tokens });
    assert.deepEqual(await store.counters.read("budget/all/hour/x"), { runs: 1 }, "the refused run was not counted");
    assert.deepEqual(await store.counters.read("budget/all/day/x"), { tokens: 150 });
  });

  it("gives the last run of a window to exactly one of many concurrent callers", async () => {
    const store = openTemp();
    const change = { key: "budget/all/hour/y", field: "runs", add: 1, below: 5, expiresAt: Date.now() + 60_000 };
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => store.counters.apply([change])));
    assert.equal(outcomes.filter((o) => o.ok).length, 5);
    assert.deepEqual(await store.counters.read("budget/all/hour/y"), { runs: 5 });
  });

  it("forgets expired counters when it prunes", async () => {
    const clock = manualClock(1_800_000_000_000);
    const store = openTemp({}, clock);
    await store.counters.apply([{ key: "k", field: "runs", add: 1, expiresAt: clock.now() + 1000 }]);
    clock.advance(2000);
    await store.prune();
    assert.deepEqual(await store.counters.read("k"), {});
  });
});

describe("embedded store: spans", () => {
  const span = (trace: string, id: string, event: string | undefined, start: number): SpanRecord => ({
    trace_id: trace,
    span_id: id,
    ...(event ? { event_id: event } : {}),
    name: id,
    start_ms: start,
    end_ms: start + 1,
    status: "ok",
    attributes: {},
  });

  it("answers the spans of an event, oldest first, once each", async () => {
    const store = openTemp();
    await store.spans.append([span("t1", "b", "e1", 2), span("t1", "a", "e1", 1), span("t2", "c", "e2", 1)]);
    await store.spans.append([span("t1", "a", "e1", 1), span("t9", "d", "e1", 3), span("t1", "x", undefined, 3)]);
    assert.deepEqual(
      (await store.spans.spansOfEvent("e1")).map((s) => s.span_id),
      ["a", "b", "d"],
    );
    assert.deepEqual(await store.spans.spansOfEvent("nope"), []);
  });

  it("keeps one compressed row per event and export batch, and still reads the rows of one span written before", async () => {
    const dir = tempDir();
    const store = openTemp({}, undefined, dir);
    const big = (id: string, start: number): SpanRecord => ({
      ...span("t1", id, "e1", start),
      attributes: { "evd.step.output": "a step's output ".repeat(40) },
    });
    await store.spans.append([big("job", 1), big("step", 2), span("t2", "other", "e2", 1)]);
    const file = store.file;
    await store.close();
    const db = new Database(file);
    const rows = db.prepare("SELECT event_id, json FROM spans ORDER BY seq").all() as {
      event_id: string;
      json: string | Buffer;
    }[];
    assert.deepEqual(
      rows.map((r) => [r.event_id, Buffer.isBuffer(r.json) ? "compressed" : "text"]),
      [
        ["e1", "compressed"],
        ["e2", "text"],
      ],
    );
    db.prepare("INSERT INTO spans (event_id, start_ms, json) VALUES (?, ?, ?)").run(
      "e1",
      0,
      JSON.stringify(span("t1", "written-before", "e1", 0)),
    );
    db.close();
    const reopened = openTemp({}, undefined, dir);
    assert.deepEqual(
      (await reopened.spans.spansOfEvent("e1")).map((s) => s.span_id),
      ["written-before", "job", "step"],
    );
    await reopened.close();
  });

  it("rebuilds an event's admission span from the event log, with the ids its job spans hang under", async () => {
    const store = openTemp();
    await submit(store, "logged");
    const root = rootOf("logged");
    await store.spans.append([{ ...span(root.traceId, "j1", "logged", 5), parent_span_id: root.spanId }]);
    const [admission, job] = await store.spans.spansOfEvent("logged");
    assert.deepEqual(
      [admission!.span_id, admission!.trace_id, admission!.name, admission!.attributes["evd.admission.outcome"]],
      [root.spanId, root.traceId, "event webhook /hooks/test", "accepted"],
    );
    assert.equal(job!.parent_span_id, admission!.span_id);
  });
});

describe("embedded store: budget_exceeded jobs", () => {
  it("keeps them DROPPED (never run again by a redelivery) and replays them apart from other drops", async () => {
    const store = openTemp();
    await submit(store, "over", ["h"]);
    await submit(store, "fine", ["h"]);
    const [over, fine] = await store.takeBatch(2);
    const budget: EventResult = {
      event_id: "over",
      job_id: over!.id,
      handler: "h",
      success: false,
      actions_taken: [],
      output: null,
      error: null,
      status: "budget_exceeded",
      reason: "budget exceeded: all handlers reached runs_per_hour 1",
    };
    assert.equal((await store.jobs.claim(over!.id, 60_000, Date.now())).kind, "claimed");
    await store.jobs.complete(over!.id, budget, Date.now());
    await store.ack(over!.id, budget);
    await store.ack(fine!.id, {
      event_id: "fine",
      job_id: fine!.id,
      success: true,
      actions_taken: [],
      output: null,
      error: null,
      status: "succeeded",
    });
    assert.equal(store.getJob(over!.id)?.state, "DROPPED");
    assert.equal((await store.jobs.claim(over!.id, 60_000, Date.now())).kind, "duplicate");
    assert.deepEqual(await store.replay({ status: "dropped" }), [], "budget refusals are not plain drops");
    assert.deepEqual(await store.replay({ status: "budget_exceeded" }), [
      { jobId: "over#h#replay-1", replayOf: "over#h" },
    ]);
  });
});
