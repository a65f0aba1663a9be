import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jobIdOf, type Job } from "../../../shared/events/event.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import { MemoryHistoryStore } from "../../../shared/memory/memory-history-store.ts";
import { MemoryJobQueue } from "../../../shared/memory/memory-job-queue.ts";
import { MapSecretStore, MissingSecretError } from "../../../shared/memory/memory-secret-store.ts";

const now = new Date("2026-01-01T00:00:00Z");
function eventWithJobs(id: string, handlers: string[]) {
  const event = manualEvent({ id, now });
  const jobs: Job[] = handlers.map((h) => ({
    id: jobIdOf(id, h),
    handler: h,
    event,
    attempt: 1,
    enqueued_at: now.toISOString(),
  }));
  return { event, jobs };
}

describe("MemoryJobQueue", () => {
  it("accepts an event once, then answers duplicate with the same job ids", async () => {
    const q = new MemoryJobQueue();
    const { event, jobs } = eventWithJobs("e1", ["a", "b"]);
    assert.deepEqual(await q.submit(event, jobs), { kind: "accepted", jobIds: ["e1#a", "e1#b"] });
    assert.deepEqual(await q.submit(event, jobs), { kind: "duplicate", jobIds: ["e1#a", "e1#b"] });
    assert.deepEqual(
      q.pending().map((j) => j.id),
      ["e1#a", "e1#b"],
    );
    assert.equal(q.take()?.id, "e1#a");
    assert.equal(q.pending().length, 1);
  });

  it("refuses when full with queue/error, and records drops with drop", async () => {
    for (const overflow of ["queue", "error"] as const) {
      const q = new MemoryJobQueue({ capacity: 1, overflow });
      await q.submit(eventWithJobs("e1", ["a"]).event, eventWithJobs("e1", ["a"]).jobs);
      const second = eventWithJobs("e2", ["a"]);
      const out = await q.submit(second.event, second.jobs);
      assert.equal(out.kind, "rejected");
      // refused events are not remembered: a later retry can be accepted
      q.take();
      assert.equal((await q.submit(second.event, second.jobs)).kind, "accepted");
    }
    const q = new MemoryJobQueue({ capacity: 0, overflow: "drop" });
    const { event, jobs } = eventWithJobs("e3", ["a"]);
    const out = await q.submit(event, jobs);
    assert.equal(out.kind, "dropped");
    assert.deepEqual(
      q.dropped().map((j) => j.id),
      ["e3#a"],
    );
    assert.equal((await q.submit(event, jobs)).kind, "duplicate");
  });
});

describe("MemoryHistoryStore", () => {
  it("keeps only the last N results", async () => {
    const h = new MemoryHistoryStore(2);
    for (const id of ["a", "b", "c"])
      await h.append({
        event_id: id,
        success: true,
        actions_taken: [],
        output: null,
        error: null,
        started_at: new Date(now.getTime() + id.charCodeAt(0)).toISOString(),
      });
    assert.deepEqual(
      (await h.list()).map((r) => r.event_id),
      ["c", "b"],
    );
  });
});

describe("MapSecretStore", () => {
  it("returns set values and names a missing one", async () => {
    const s = new MapSecretStore({ A: "1", B: "" });
    assert.equal(await s.get("A"), "1");
    await assert.rejects(s.get("B"), MissingSecretError);
    await assert.rejects(s.get("C"), /secret "C" is not set/);
  });
});
