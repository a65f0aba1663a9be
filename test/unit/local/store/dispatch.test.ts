import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EventResult } from "../../../../shared/events/event.ts";
import { openLocalStore } from "../../../../local/store/local-store.ts";
import { config, manualClock, openTemp, submit, tempDir } from "./store-fixtures.ts";

function failed(jobId: string, error = "boom"): EventResult {
  return {
    event_id: jobId.split("#")[0]!,
    job_id: jobId,
    success: false,
    actions_taken: [],
    output: null,
    error,
    status: "failed",
  };
}
function ok(jobId: string): EventResult {
  return {
    event_id: jobId.split("#")[0]!,
    job_id: jobId,
    success: true,
    actions_taken: ["prompt"],
    output: null,
    error: null,
    status: "succeeded",
  };
}

describe("takeNext / takeBatch", () => {
  it("hands out jobs FIFO by enqueue order, as RUNNING under a lease, with the event rebuilt", async () => {
    const store = openTemp();
    for (const id of ["f1", "f2", "f3"]) await submit(store, id);
    const batch = await store.takeBatch(2);
    assert.deepEqual(
      batch.map((j) => j.id),
      ["f1#h", "f2#h"],
    );
    assert.equal(batch[0]?.event.id, "f1");
    assert.equal(batch[0]?.attempt, 1);
    const row = store.getJob("f1#h");
    assert.equal(row?.state, "RUNNING");
    assert.ok((row?.leaseExpiresAt ?? 0) > Date.now());
    assert.equal((await store.takeNext())?.id, "f3#h");
    assert.equal(await store.takeNext(), undefined);
  });

  it("never starts two jobs of the same handler + key, nor one whose key is running", async () => {
    const store = openTemp({
      handlers: { review: { prompt: "x", concurrency: { key: "{payload.number}" } }, h: { prompt: "y" } },
    });
    await submit(store, "a", ["review"], { concurrency_key: "1" });
    await submit(store, "b", ["review"], { concurrency_key: "1" });
    await submit(store, "c", ["review"], { concurrency_key: "2" });
    await submit(store, "d", ["h"]);
    const first = await store.takeBatch(10);
    assert.deepEqual(
      first.map((j) => j.id),
      ["a#review", "c#review", "d#h"],
    );
    assert.deepEqual(await store.takeBatch(10), [], "b waits for a");
    await store.jobs.claim("a#review", 60_000, Date.now());
    await store.jobs.complete("a#review", ok("a#review"), Date.now());
    await store.ack("a#review", ok("a#review"));
    assert.deepEqual(
      (await store.takeBatch(10)).map((j) => j.id),
      ["b#review"],
    );
  });

  it("lets the shared runner claim a handed-out job exactly once (no double run)", async () => {
    const store = openTemp();
    await submit(store, "c1");
    const taken = await store.takeNext();
    const now = Date.now();
    const claims = await Promise.all([
      store.jobs.claim(taken!.id, 60_000, now),
      store.jobs.claim(taken!.id, 60_000, now),
    ]);
    assert.deepEqual(claims.map((c) => c.kind).sort(), ["busy", "claimed"]);
    const claimed = claims.find((c) => c.kind === "claimed")!;
    assert.equal(claimed.record.attempts, 1);
    assert.equal(claimed.record.state, "IN_PROGRESS");
    await store.jobs.complete(taken!.id, ok(taken!.id), now);
    await store.ack(taken!.id, ok(taken!.id));
    assert.equal((await store.jobs.claim(taken!.id, 60_000, now + 1)).kind, "duplicate");
    assert.equal(store.getJob(taken!.id)?.state, "COMPLETED");
  });

  it("records a hook-skipped job as SKIPPED, COMPLETED to the port", async () => {
    const store = openTemp();
    await submit(store, "s1");
    const j = await store.takeNext();
    await store.jobs.claim(j!.id, 60_000, Date.now());
    await store.ack(j!.id, { ...ok(j!.id), status: "skipped", reason: "bot" });
    assert.equal(store.getJob(j!.id)?.state, "SKIPPED");
    assert.equal((await store.jobs.get(j!.id))?.state, "COMPLETED");
  });
});

describe("retries, dead letters, redrive", () => {
  it("waits out RETRY_WAIT, dead-letters with the error, and redrive resets attempts", async () => {
    const clock = manualClock();
    const store = openTemp({}, clock);
    await submit(store, "r1");
    let j = await store.takeNext();
    await store.jobs.claim(j!.id, 60_000, clock.now());
    await store.jobs.fail(j!.id, failed(j!.id), clock.now());
    assert.equal(store.getJob(j!.id)?.state, "FAILED");
    await store.retryLater(j!.id, failed(j!.id), clock.now() + 5_000);
    assert.equal(store.getJob(j!.id)?.state, "RETRY_WAIT");
    assert.equal(store.nextDueAt(), clock.now() + 5_000);
    assert.equal(await store.takeNext(), undefined, "not due yet");
    clock.advance(5_000);
    j = await store.takeNext();
    assert.equal(j?.attempt, 2);
    await store.jobs.claim(j!.id, 60_000, clock.now());
    await store.jobs.fail(j!.id, failed(j!.id, "still broken"), clock.now());
    await store.deadLetter(j!.id, failed(j!.id, "still broken"));
    const dead = store.listDead();
    assert.deepEqual(
      dead.map((d) => [d.id, d.attempts, d.lastError]),
      [["r1#h", 2, "still broken"]],
    );
    assert.equal(
      (await store.jobs.claim("r1#h", 60_000, clock.now())).kind,
      "duplicate",
      "a dead job runs only after a redrive",
    );

    await assert.rejects(store.redrive({ id: "nope#h" }), /no job "nope#h"/);
    assert.deepEqual(await store.redrive({ id: "r1#h" }), ["r1#h"]);
    assert.equal(store.getJob("r1#h")?.state, "PENDING");
    assert.equal(store.getJob("r1#h")?.attempts, 0);
    await assert.rejects(store.redrive({ id: "r1#h" }), /is PENDING, not in the dead-letter store/);
    assert.equal((await store.takeNext())?.attempt, 1);
  });

  it("redrives every dead job with {all: true}", async () => {
    const store = openTemp();
    for (const id of ["x1", "x2"]) {
      await submit(store, id);
      const j = await store.takeNext();
      await store.deadLetter(j!.id, failed(j!.id));
    }
    assert.deepEqual(await store.redrive({ all: true }), ["x1#h", "x2#h"]);
    assert.equal(store.listDead().length, 0);
    assert.equal(store.depth(), 2);
  });

  it("release gives a running job back without counting the interrupted attempt", async () => {
    const store = openTemp();
    await submit(store, "rel");
    const j = await store.takeNext();
    await store.jobs.claim(j!.id, 60_000, Date.now());
    assert.equal(await store.release(j!.id), true);
    assert.deepEqual([store.getJob(j!.id)?.state, store.getJob(j!.id)?.attempts], ["PENDING", 0]);
  });
});

describe("recoverInterrupted (the state a crash leaves)", () => {
  it("puts RUNNING jobs of a dead process back to PENDING, attempts kept, and they run again", async () => {
    const dir = tempDir();
    const clock = manualClock();
    const crashed = openLocalStore({ dir, config: config(), clock });
    for (const id of ["i1", "i2", "i3"]) await submit(crashed, id);
    const a = await crashed.takeNext();
    await crashed.jobs.claim(a!.id, 30_000, clock.now());
    await crashed.takeNext(); // handed out, never claimed: the attempt counts all the same
    await crashed.close(); // the rows stay as a kill -9 leaves them: RUNNING, leases held
    const restarted = openLocalStore({ dir, config: config(), clock });
    assert.equal(restarted.getJob("i1#h")?.state, "RUNNING");
    const out = await restarted.recoverInterrupted();
    assert.deepEqual(out, { requeued: ["i1#h", "i2#h"], dead: [] });
    assert.deepEqual(
      ["i1#h", "i2#h"].map((id) => [restarted.getJob(id)?.state, restarted.getJob(id)?.attempts]),
      [
        ["PENDING", 1],
        ["PENDING", 1],
      ],
    );
    assert.deepEqual(
      (await restarted.takeBatch(5)).map((j) => [j.id, j.attempt]),
      [
        ["i1#h", 2],
        ["i2#h", 2],
        ["i3#h", 1],
      ],
    );
    await restarted.close();
  });

  it("dead-letters a job interrupted during its last allowed attempt (a crash loop ends there)", async () => {
    const dir = tempDir();
    const cfg = config({ retry: { max_attempts: 2 } });
    const crashed = openLocalStore({ dir, config: cfg });
    await submit(crashed, "poison");
    for (let run = 0; run < 2; run++) {
      const j = await crashed.takeNext();
      await crashed.jobs.claim(j!.id, 60_000, Date.now());
      if (run === 0) await crashed.retryLater(j!.id, failed(j!.id), 0);
    }
    await crashed.close();
    const restarted = openLocalStore({ dir, config: cfg });
    assert.deepEqual(await restarted.recoverInterrupted(), { requeued: [], dead: ["poison#h"] });
    assert.deepEqual(
      restarted.listDead().map((d) => d.lastError),
      ["interrupted during attempt 2 of 2 (the process stopped)"],
    );
    await restarted.close();
  });

  it("recovers an expired lease of this process too, and leaves a live one alone", async () => {
    const clock = manualClock();
    const store = openTemp({}, clock);
    await submit(store, "l1");
    await submit(store, "l2");
    const [a, b] = await store.takeBatch(2);
    await store.jobs.claim(a!.id, 1_000, clock.now());
    await store.jobs.claim(b!.id, 600_000, clock.now());
    clock.advance(5_000);
    assert.deepEqual((await store.recoverInterrupted()).requeued, ["l1#h"]);
    assert.equal(store.getJob("l2#h")?.state, "RUNNING");
  });

  it("settles a failure whose retry decision was lost: retry if attempts remain, else dead letter", async () => {
    const dir = tempDir();
    const cfg = config({ retry: { max_attempts: 2 } });
    const crashed = openLocalStore({ dir, config: cfg });
    for (const id of ["lost1", "lost2"]) await submit(crashed, id);
    const [a, b] = await crashed.takeBatch(2);
    await crashed.jobs.claim(a!.id, 60_000, Date.now());
    await crashed.jobs.fail(a!.id, failed(a!.id), Date.now());
    for (let attempt = 0; attempt < 2; attempt++) {
      await crashed.jobs.claim(b!.id, 60_000, Date.now());
      await crashed.jobs.fail(b!.id, failed(b!.id, `run ${attempt + 1} failed`), Date.now());
    }
    await crashed.close();
    const restarted = openLocalStore({ dir, config: cfg });
    const out = await restarted.recoverInterrupted();
    assert.deepEqual(out, { requeued: ["lost1#h"], dead: ["lost2#h"] });
    assert.equal(restarted.getJob("lost1#h")?.state, "PENDING");
    assert.deepEqual(
      [
        restarted.getJob("lost2#h")?.state,
        restarted.getJob("lost2#h")?.attempts,
        restarted.getJob("lost2#h")?.lastError,
      ],
      ["DEAD", 2, "run 2 failed"],
    );
    await restarted.close();
  });
});

describe("replay", () => {
  it("re-enqueues matching events as new `#replay-<n>` jobs that dedupe does not swallow", async () => {
    const clock = manualClock();
    const store = openTemp({}, clock);
    await submit(store, "old", ["h", "other"]);
    clock.advance(60_000);
    const since = clock.now();
    await submit(store, "new", ["h", "other"]);
    for (const j of await store.takeBatch(10)) {
      await store.jobs.claim(j.id, 60_000, clock.now());
      if (j.id === "new#h") await store.deadLetter(j.id, failed(j.id));
      else await store.ack(j.id, ok(j.id));
    }
    const replayed = await store.replay({ since, status: "failed" });
    assert.deepEqual(replayed, [{ jobId: "new#h#replay-1", replayOf: "new#h" }]);
    const again = await store.replay({ handler: "h" });
    assert.deepEqual(
      again.map((r) => r.jobId),
      ["old#h#replay-1", "new#h#replay-2"],
    );
    const jobs = await store.takeBatch(10);
    assert.deepEqual(
      jobs.map((j) => [j.id, j.replay_of, j.event.id]),
      [
        ["new#h#replay-1", "new#h", "new"],
        ["old#h#replay-1", "old#h", "old"],
        ["new#h#replay-2", "new#h", "new"],
      ],
    );
    assert.equal((await store.jobs.claim("new#h#replay-1", 60_000, clock.now())).kind, "claimed");
    await assert.rejects(store.replay({ status: "bogus" as never }), /unknown status "bogus"/);
  });
});

describe("exportState and retention", () => {
  it("exports the spec's EventState", async () => {
    const store = openTemp();
    await submit(store, "done");
    await submit(store, "waiting");
    const j = await store.takeNext();
    await store.ack(j!.id, ok(j!.id));
    await store.lastRun.set("weekly", Date.UTC(2026, 0, 5, 9));
    await store.setHandlerState("on-pr:cursor", { sha: "abc" });
    assert.deepEqual(store.exportState(), {
      last_run: { weekly: "2026-01-05T09:00:00.000Z" },
      processed_events: ["done", "waiting"],
      pending_queue: [store.exportState().pending_queue[0]],
      handler_state: { "on-pr:cursor": { sha: "abc" } },
    });
    assert.deepEqual(
      store.exportState().pending_queue.map((e) => e.id),
      ["waiting"],
    );
    await store.setHandlerState("on-pr:cursor", undefined);
    assert.equal(store.getHandlerState("on-pr:cursor"), undefined);
  });

  it("keeps history to history_limit and prunes finished events past the retention", async () => {
    const clock = manualClock();
    const store = openTemp({ history_limit: 3, event_log_retention_days: 1 }, clock);
    for (let i = 0; i < 5; i++) await store.history.append(ok(`h${i}#h`));
    assert.deepEqual(
      (await store.history.list()).map((r) => r.job_id),
      ["h4#h", "h3#h", "h2#h"],
    );
    await submit(store, "ancient");
    await submit(store, "stuck");
    const j = await store.takeNext();
    await store.ack(j!.id, ok(j!.id));
    clock.advance(2 * 86_400_000);
    assert.deepEqual(await store.prune(), { events: 1, jobs: 1 });
    assert.deepEqual(store.exportState().processed_events, ["stuck"]);
  });
});
