/**
 * One contract suite for every adapter of the store ports (embedded SQLite, DynamoDB, in-memory):
 * each adapter's test file calls these with a factory that returns a fresh, empty store.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EventResult } from "../../shared/events/event.ts";
import type { HistoryStore } from "../../shared/ports/history-store.ts";
import type { JobStore } from "../../shared/ports/job-store.ts";
import type { LastRunStore } from "../../shared/ports/last-run-store.ts";

type Factory<T> = () => Promise<T>;

function result(jobId: string, extra: Partial<EventResult> = {}): EventResult {
  return {
    event_id: jobId.split("#")[0]!,
    job_id: jobId,
    success: true,
    actions_taken: ["prompt"],
    output: null,
    error: null,
    status: "succeeded",
    ...extra,
  };
}

export function jobStoreContract(adapter: string, make: Factory<JobStore>): void {
  describe(`JobStore contract: ${adapter}`, () => {
    it("claims an unknown job, then reports it busy while the lease holds", async () => {
      const store = await make();
      const first = await store.claim("e1#h", 60_000, 1_000);
      assert.equal(first.kind, "claimed");
      assert.equal(first.record.state, "IN_PROGRESS");
      assert.equal(first.record.attempts, 1);
      const second = await store.claim("e1#h", 60_000, 2_000);
      assert.equal(second.kind, "busy");
    });

    it("lets a claim take over an expired lease and counts the attempt", async () => {
      const store = await make();
      await store.claim("e2#h", 1_000, 1_000);
      const again = await store.claim("e2#h", 1_000, 5_000);
      assert.equal(again.kind, "claimed");
      assert.equal(again.record.attempts, 2);
    });

    it("never runs a completed job again", async () => {
      const store = await make();
      await store.claim("e3#h", 60_000, 1_000);
      await store.complete("e3#h", result("e3#h"), 2_000);
      const again = await store.claim("e3#h", 60_000, 10_000_000);
      assert.equal(again.kind, "duplicate");
      assert.equal(again.record.state, "COMPLETED");
      assert.equal(again.record.result?.success, true);
    });

    it("lets a failed job be claimed again by a retry", async () => {
      const store = await make();
      await store.claim("e4#h", 60_000, 1_000);
      await store.fail("e4#h", result("e4#h", { success: false, error: "boom", status: "failed" }), 2_000);
      const rec = await store.get("e4#h");
      assert.equal(rec?.state, "FAILED");
      const again = await store.claim("e4#h", 60_000, 3_000);
      assert.equal(again.kind, "claimed");
      assert.equal(again.record.attempts, 2);
    });

    it("gives exactly one of many concurrent claimers the job", async () => {
      const store = await make();
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => store.claim("e5#h", 60_000, 1_000)));
      assert.equal(outcomes.filter((o) => o.kind === "claimed").length, 1);
    });

    it("answers undefined for a job it never saw", async () => {
      const store = await make();
      assert.equal(await store.get("nope#h"), undefined);
    });
  });
}

export function historyStoreContract(adapter: string, make: Factory<HistoryStore>): void {
  describe(`HistoryStore contract: ${adapter}`, () => {
    it("lists newest first, filtered and limited", async () => {
      const store = await make();
      for (let i = 0; i < 5; i++) {
        await store.append(
          result(`e${i}#${i % 2 ? "odd" : "even"}`, {
            handler: i % 2 ? "odd" : "even",
            started_at: new Date(1_700_000_000_000 + i * 1000).toISOString(),
            status: i === 3 ? "failed" : "succeeded",
            success: i !== 3,
          }),
        );
      }
      const all = await store.list({ limit: 10 });
      assert.deepEqual(
        all.map((r) => r.job_id),
        ["e4#even", "e3#odd", "e2#even", "e1#odd", "e0#even"],
      );
      assert.deepEqual(
        (await store.list({ limit: 2 })).map((r) => r.job_id),
        ["e4#even", "e3#odd"],
      );
      assert.deepEqual(
        (await store.list({ handler: "odd" })).map((r) => r.job_id),
        ["e3#odd", "e1#odd"],
      );
      assert.deepEqual(
        (await store.list({ status: "failed" })).map((r) => r.job_id),
        ["e3#odd"],
      );
      assert.deepEqual(
        (await store.list({ since: 1_700_000_003_000 })).map((r) => r.job_id),
        ["e4#even", "e3#odd"],
      );
    });
  });
}

export function lastRunStoreContract(adapter: string, make: Factory<LastRunStore>): void {
  describe(`LastRunStore contract: ${adapter}`, () => {
    it("remembers the last run per schedule", async () => {
      const store = await make();
      assert.equal(await store.get("weekly"), undefined);
      await store.set("weekly", 1_000);
      await store.set("weekly", 2_000);
      await store.set("hourly", 5);
      assert.equal(await store.get("weekly"), 2_000);
      assert.equal(await store.get("hourly"), 5);
    });
  });
}
