import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { SchedulingSql } from "../../../../local/store/dispatch.ts";
import { event, job, manualClock, openTemp, submit } from "./store-fixtures.ts";

describe("the worker's scheduling reads with a large backlog", () => {
  it("reads the next due time and each page of work through an index, never scanning or sorting the backlog", async () => {
    const store = openTemp();
    await submit(store, "one");
    const db = new Database(store.file, { readonly: true });
    const plan = (sql: string) => {
      const params = Array.from(sql.matchAll(/\?/g), () => 0);
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join("; ");
    };
    try {
      assert.match(plan(SchedulingSql.NEXT_DUE), /USING INDEX jobs_waiting_due/);
      for (const sql of [SchedulingSql.PENDING_PAGE, SchedulingSql.DUE_RETRY_PAGE]) {
        const p = plan(sql);
        assert.match(p, /USING INDEX jobs_state_seq \(state=\? AND seq>\?\)/, sql);
        assert.doesNotMatch(p, /TEMP B-TREE/, sql);
      }
    } finally {
      db.close();
    }
  });

  it("hands out waiting jobs in enqueue order across fresh and due retried ones, page after page", async () => {
    const clock = manualClock();
    const store = openTemp({ queue_capacity: 1000 }, clock);
    for (let i = 1; i <= 30; i++) await submit(store, `e${String(i).padStart(2, "0")}`);
    const first = await store.takeBatch(5);
    assert.deepEqual(
      first.map((j) => j.id),
      ["e01#h", "e02#h", "e03#h", "e04#h", "e05#h"],
    );
    const result = { event_id: "x", success: false, actions_taken: [], output: null, error: null };
    await store.retryLater("e02#h", result, clock.now() - 1); // due
    await store.retryLater("e04#h", result, clock.now() + 60_000); // not yet
    assert.equal(store.nextDueAt(), clock.now() - 1);
    const rest = await store.takeBatch(100);
    assert.deepEqual(
      rest.map((j) => j.id),
      ["e02#h", ...Array.from({ length: 25 }, (_, i) => `e${String(i + 6).padStart(2, "0")}#h`)],
    );
    assert.equal(store.nextDueAt(), clock.now() + 60_000);
  });

  it("trims history to exactly history_limit rows (cut by seq), even around a batch that was run again", async () => {
    const store = openTemp({ history_limit: 3 });
    const ok = (id: string) => ({
      event_id: id,
      job_id: `${id}#h`,
      success: true,
      actions_taken: [],
      output: null,
      error: null,
    });
    await store.history.append(ok("a"));
    await store.history.append(ok("b"));
    // One batch: two appends and a bad submit. The batch rolls back and runs again with a
    // savepoint per operation; the appends must not leave a gap in the numbering.
    const bad = event("bad");
    const results = await Promise.allSettled([
      store.history.append(ok("c")),
      store.submit(bad, [job(event("other"))]),
      store.history.append(ok("d")),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    await store.history.append(ok("e"));
    assert.deepEqual(
      (await store.history.list({ limit: 10 })).map((r) => r.event_id),
      ["e", "d", "c"],
    );
  });
});
