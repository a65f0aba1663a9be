import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openLocalStore } from "../../../../local/store/local-store.ts";
import { config, event, job, manualClock, openTemp, submit, tempDir } from "./store-fixtures.ts";

describe("LocalStore.submit", () => {
  it("accepts an event's jobs as PENDING and answers a redelivery as duplicate", async () => {
    const store = openTemp();
    const first = await submit(store, "d1", ["h", "other"]);
    assert.deepEqual(first, { kind: "accepted", jobIds: ["d1#h", "d1#other"] });
    assert.equal(store.getJob("d1#h")?.state, "PENDING");
    const again = await submit(store, "d1", ["h", "other"]);
    assert.deepEqual(again, { kind: "duplicate", jobIds: ["d1#h", "d1#other"] });
    assert.equal(store.depth(), 2);
  });

  it("batches concurrent submits into fewer transactions, each durable when it resolves", async () => {
    const dir = tempDir();
    const store = openLocalStore({ dir, config: config({ queue_capacity: 1000 }) });
    const before = store.commitStats().transactions;
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => submit(store, `g${i}`)));
    assert.ok(outcomes.every((o) => o.kind === "accepted"));
    const stats = store.commitStats();
    assert.ok(stats.transactions - before < 100, `100 submits took ${stats.transactions - before} transactions`);
    assert.ok(stats.largestBatch > 1);
    await store.close();
    const reopened = openLocalStore({ dir, config: config() });
    assert.equal(reopened.depth(), 100);
    await reopened.close();
  });

  it("handles the same event twice within one batch: one accepted, one duplicate", async () => {
    const store = openTemp();
    const [a, b] = await Promise.all([submit(store, "same"), submit(store, "same")]);
    assert.equal(a?.kind, "accepted");
    assert.equal(b?.kind, "duplicate");
    assert.equal(store.depth(), 1);
  });

  it("rejects bad input alone, without harming the other submits of its batch", async () => {
    const store = openTemp();
    const ev = event("good");
    const bad = store.submit(event("bad"), [job(ev, "h")]);
    const good = store.submit(ev, [job(ev, "h")]);
    await assert.rejects(bad, /belongs to event "good", not "bad"/);
    assert.equal((await good).kind, "accepted");
    assert.equal(store.getJob("bad#h"), undefined);
    assert.equal(store.exportState().processed_events.includes("bad"), false);
  });

  it("records an event in the log with no jobs when nothing routes it", async () => {
    const store = openTemp();
    assert.deepEqual(await submit(store, "lonely", []), { kind: "accepted", jobIds: [] });
    assert.deepEqual(store.exportState().processed_events, ["lonely"]);
  });
});

describe("queue_overflow", () => {
  it("queue: buffers up to queue_capacity, then back-pressures with `queue full` and records nothing", async () => {
    const store = openTemp({ queue_overflow: "queue", queue_capacity: 3, max_concurrent_handlers: 1 });
    for (const id of ["q1", "q2", "q3"]) assert.equal((await submit(store, id)).kind, "accepted");
    const refused = await submit(store, "q4");
    assert.equal(refused.kind, "rejected");
    assert.match(refused.kind === "rejected" ? refused.reason : "", /^queue full/);
    assert.equal(store.getJob("q4#h"), undefined);
    // Not recorded as seen: the sender's retry after the queue drains is accepted.
    await store.takeNext();
    assert.equal((await submit(store, "q4")).kind, "accepted");
  });

  it("queue: an event whose jobs do not all fit is refused whole", async () => {
    const store = openTemp({ queue_capacity: 2 });
    await submit(store, "a");
    const out = await submit(store, "b", ["h", "other"]);
    assert.equal(out.kind, "rejected");
    assert.equal(store.depth(), 1);
  });

  it("error: refuses as soon as max_concurrent_handlers jobs are running or about to run", async () => {
    const store = openTemp({ queue_overflow: "error", max_concurrent_handlers: 2 });
    assert.equal((await submit(store, "e1")).kind, "accepted");
    assert.equal((await submit(store, "e2")).kind, "accepted");
    const out = await submit(store, "e3");
    assert.equal(out.kind, "rejected");
    assert.match(out.kind === "rejected" ? out.reason : "", /^all handlers busy/);
    assert.equal(store.getJob("e3#h"), undefined);
    // Running jobs still hold their slots; a finished one frees it.
    const running = await store.takeNext();
    assert.equal((await submit(store, "e3")).kind, "rejected");
    await store.ack(running!.id, { event_id: "e1", success: true, actions_taken: [], output: null, error: null });
    assert.equal((await submit(store, "e3")).kind, "accepted");
  });

  it("drop: records the event and its jobs as DROPPED with history, and they never run", async () => {
    const store = openTemp({ queue_overflow: "drop", max_concurrent_handlers: 1 });
    assert.equal((await submit(store, "k1")).kind, "accepted");
    const out = await submit(store, "k2", ["h", "other"]);
    assert.equal(out.kind, "dropped");
    assert.deepEqual(out.kind === "dropped" ? out.jobIds : [], ["k2#h", "k2#other"]);
    assert.equal(store.getJob("k2#h")?.state, "DROPPED");
    const hist = await store.history.list({ status: "dropped" });
    assert.deepEqual(hist.map((r) => r.job_id).sort(), ["k2#h", "k2#other"]);
    assert.match(hist[0]?.reason ?? "", /all handlers busy/);
    // The caller announces these (kind "dropped"): they are not in the unannounced list.
    assert.deepEqual(await store.takeUnannouncedDrops(), []);
    // A redelivery of a dropped event is a duplicate; the dropped job never becomes runnable.
    assert.equal((await submit(store, "k2")).kind, "duplicate");
    const taken = await store.takeBatch(10);
    assert.deepEqual(
      taken.map((j) => j.id),
      ["k1#h"],
    );
  });
});

describe("concurrency.on_new: supersede", () => {
  const cfg = {
    handlers: {
      review: { prompt: "x", concurrency: { key: "{payload.number}", on_new: "supersede" as const } },
      h: { prompt: "y" },
    },
  };

  it("drops older waiting jobs of the same handler + key, naming the job that superseded them", async () => {
    const clock = manualClock();
    const store = openTemp(cfg, clock);
    for (const id of ["p1", "p2", "p3"]) {
      await submit(store, id, ["review"], { concurrency_key: "42" });
      clock.advance(10);
    }
    await submit(store, "other-pr", ["review"], { concurrency_key: "7" });
    assert.equal(store.getJob("p1#review")?.state, "DROPPED");
    assert.equal(store.getJob("p1#review")?.supersededBy, "p2#review");
    assert.equal(store.getJob("p2#review")?.supersededBy, "p3#review");
    assert.equal(store.getJob("p3#review")?.state, "PENDING");
    assert.equal(store.getJob("other-pr#review")?.state, "PENDING");
    const drops = await store.takeUnannouncedDrops();
    assert.deepEqual(
      drops.map((d) => [d.jobId, d.supersededBy]),
      [
        ["p1#review", "p2#review"],
        ["p2#review", "p3#review"],
      ],
    );
    assert.equal(drops[0]?.event.id, "p1");
    assert.deepEqual(await store.takeUnannouncedDrops(), [], "announced once");
    const hist = await store.history.list({ status: "dropped" });
    assert.deepEqual(
      hist.map((r) => r.reason),
      ["superseded by p3#review", "superseded by p2#review"],
    );
  });

  it("leaves a running job alone: only waiting jobs are superseded", async () => {
    const store = openTemp(cfg);
    await submit(store, "r1", ["review"], { concurrency_key: "1" });
    const running = await store.takeNext();
    assert.equal(running?.id, "r1#review");
    await submit(store, "r2", ["review"], { concurrency_key: "1" });
    await submit(store, "r3", ["review"], { concurrency_key: "1" });
    assert.equal(store.getJob("r1#review")?.state, "RUNNING");
    assert.equal(store.getJob("r2#review")?.state, "DROPPED");
    assert.equal(store.getJob("r3#review")?.state, "PENDING");
  });

  it("counts a superseded job out of the capacity it frees", async () => {
    const store = openTemp({ ...cfg, queue_capacity: 1 });
    assert.equal((await submit(store, "c1", ["review"], { concurrency_key: "9" })).kind, "accepted");
    assert.equal((await submit(store, "c2", ["review"], { concurrency_key: "9" })).kind, "accepted");
    assert.equal((await submit(store, "c3", ["h"])).kind, "rejected");
  });
});
