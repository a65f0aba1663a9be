import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "../../../harness/wait-for.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "../../../../shared/events/event.ts";
import {
  backoffDelay,
  classifySendError,
  createSender,
  type SentReport,
  type SpoolingStatus,
} from "../../../../local/bridge/sender.ts";
import { openSpool, type Spool, type SpoolInput } from "../../../../local/bridge/spool.ts";

function job(id: string): Job {
  return {
    id: `${id}#h`,
    handler: "h",
    attempt: 1,
    enqueued_at: "2026-01-01T00:00:00.000Z",
    event: {
      id,
      type: "file_change",
      source: "docs",
      payload: { files: [`${id}.md`] },
      timestamp: "2026-01-01T00:00:00.000Z",
    },
  };
}
function input(...ids: string[]): SpoolInput {
  return { changed_at: "2026-01-01T00:00:00.000Z", source: "docs", files: ids.length, jobs: ids.map(job) };
}
const tempDir = () => mkdtempSync(join(tmpdir(), "evd-sender-"));

function refused(): Error {
  return Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
}

/** A queue that records what it accepts and refuses connections while `down`. */
function fakeQueue() {
  const q = {
    down: false,
    accepted: [] as string[],
    async send(j: Job) {
      if (q.down) throw refused();
      q.accepted.push(j.id);
    },
  };
  return q;
}

/** An injected sleep: records each wait; waits given in `immediate` end at once, the others when woken. */
function recordingSleep(immediate: (n: number, ms: number) => boolean) {
  const waits: number[] = [];
  return {
    waits,
    sleep(ms: number, signal: AbortSignal): Promise<void> {
      waits.push(ms);
      if (immediate(waits.length, ms) || signal.aborted) return Promise.resolve();
      return new Promise((r) => signal.addEventListener("abort", () => r(), { once: true }));
    },
  };
}

function until(cond: () => boolean): Promise<true> {
  return waitFor(() => cond(), "the condition");
}

function appendAll(spool: Spool, ...sets: string[][]): void {
  for (const ids of sets) spool.append(input(...ids));
}

describe("sender", () => {
  it("backs off exponentially up to the cap", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, { initialMs: 500, maxMs: 8000 })),
      [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000],
    );
  });

  it("keeps change sets spooled while the queue is down, then sends them in order, once", async () => {
    const spool = openSpool({ dir: tempDir() });
    const queue = fakeQueue();
    queue.down = true;
    appendAll(spool, ["a"], ["b"], ["c"]);
    const statuses: SpoolingStatus[] = [];
    const sent: SentReport[] = [];
    const clock = recordingSleep((n) => {
      if (n === 5) queue.down = false;
      return n <= 5;
    });
    const sender = createSender({
      spool,
      send: (j) => queue.send(j),
      classify: classifySendError,
      sleep: clock.sleep,
      backoff: { initialMs: 100, maxMs: 400 },
      now: () => Date.parse("2026-01-01T00:00:02.000Z"),
      onSpooling: (s) => statuses.push(s),
      onSent: (r) => sent.push(r),
    });
    sender.start();
    await until(() => sent.length === 3);
    await sender.stop();
    assert.deepEqual(clock.waits.slice(0, 5), [100, 200, 400, 400, 400]);
    assert.deepEqual(
      statuses.map((s) => [s.pending, s.reason]),
      Array(5).fill([3, "queue unreachable (ECONNREFUSED)"]),
    );
    assert.deepEqual(queue.accepted, ["a#h", "b#h", "c#h"]);
    assert.deepEqual(
      sent.map((r) => r.jobIds),
      [["a#h"], ["b#h"], ["c#h"]],
    );
    assert.equal(sent[0]!.latencyMs, 2000);
    assert.equal(spool.count(), 0);
    spool.close();
  });

  it("resends the same job id after a crash between the send and the mark-sent", async () => {
    const dir = tempDir();
    const queue = fakeQueue();
    let spool = openSpool({ dir });
    appendAll(spool, ["a"]);
    // The crash: the queue took the job, the process died before recording it.
    await queue.send(spool.pending()[0]!.jobs[0]!);
    spool.close();

    spool = openSpool({ dir });
    const sender = createSender({ spool, send: (j) => queue.send(j), classify: classifySendError });
    assert.equal(await sender.drainOnce(), true);
    assert.deepEqual(queue.accepted, ["a#h", "a#h"], "the same job id again: the runner's claim dedupes it");
    spool.close();
  });

  it("sends only the jobs not marked yet after a crash in the middle of a change set", async () => {
    const dir = tempDir();
    const queue = fakeQueue();
    let spool = openSpool({ dir });
    appendAll(spool, ["a", "b"]);
    const rec = spool.pending()[0]!;
    await queue.send(rec.jobs[0]!);
    spool.markSent(rec.seq, rec.jobs[0]!.id);
    spool.close();

    spool = openSpool({ dir });
    const sent: SentReport[] = [];
    const sender = createSender({
      spool,
      send: (j) => queue.send(j),
      classify: classifySendError,
      onSent: (r) => sent.push(r),
    });
    await sender.drainOnce();
    assert.deepEqual(queue.accepted, ["a#h", "b#h"]);
    assert.deepEqual(
      sent.map((r) => r.jobIds),
      [["b#h"]],
    );
    spool.close();
  });

  it("sets aside a message the queue refuses for good and goes on with the next", async () => {
    const spool = openSpool({ dir: tempDir() });
    const queue = fakeQueue();
    appendAll(spool, ["bad"], ["good"]);
    const rejected: string[] = [];
    const sender = createSender({
      spool,
      send: async (j) => {
        if (j.id === "bad#h")
          throw Object.assign(new Error("Invalid characters"), {
            name: "InvalidMessageContents",
            $metadata: { httpStatusCode: 400 },
          });
        await queue.send(j);
      },
      classify: classifySendError,
      onRejected: (r, reason) => rejected.push(`${r.seq}: ${reason}`),
    });
    assert.equal(await sender.drainOnce(), true);
    assert.deepEqual(queue.accepted, ["good#h"]);
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!, /^1: queue refused the message \(InvalidMessageContents/);
    spool.close();
  });

  it("keeps everything when the queue itself refuses (no such queue), stops at the first failure", async () => {
    const spool = openSpool({ dir: tempDir() });
    appendAll(spool, ["a"], ["b"]);
    const tried: string[] = [];
    const statuses: SpoolingStatus[] = [];
    const sender = createSender({
      spool,
      send: async (j) => {
        tried.push(j.id);
        throw Object.assign(new Error("The specified queue does not exist."), {
          name: "QueueDoesNotExist",
          $metadata: { httpStatusCode: 400 },
        });
      },
      classify: classifySendError,
      onSpooling: (s) => statuses.push(s),
    });
    assert.equal(await sender.drainOnce(), false);
    assert.deepEqual(tried, ["a#h"], "order kept: b is not tried before a");
    assert.equal(spool.count(), 2);
    assert.equal(statuses[0]!.reason, "queue refused (QueueDoesNotExist: The specified queue does not exist.)");
    spool.close();
  });

  it("tries at once when woken by a new change set during a backoff", async () => {
    const spool = openSpool({ dir: tempDir() });
    const queue = fakeQueue();
    queue.down = true;
    appendAll(spool, ["a"]);
    const statuses: SpoolingStatus[] = [];
    const clock = recordingSleep(() => false);
    const sender = createSender({
      spool,
      send: (j) => queue.send(j),
      classify: classifySendError,
      sleep: clock.sleep,
      onSpooling: (s) => statuses.push(s),
    });
    sender.start();
    await until(() => statuses.length === 1);
    appendAll(spool, ["b"]);
    sender.wake();
    await until(() => statuses.length === 2);
    assert.equal(statuses[1]!.pending, 2);
    assert.equal(statuses[1]!.retryInMs, 1000, "the backoff keeps growing while the queue stays down");
    queue.down = false;
    sender.wake();
    await until(() => queue.accepted.length === 2);
    await sender.stop();
    assert.deepEqual(queue.accepted, ["a#h", "b#h"]);
    spool.close();
  });
});

describe("classifySendError", () => {
  it("reads network failures, throttling and server errors as retryable", () => {
    const agg = Object.assign(new AggregateError([refused()], "connect failed"), { code: undefined });
    assert.deepEqual(classifySendError(agg), { kind: "retry", reason: "queue unreachable (ECONNREFUSED)" });
    assert.equal(
      classifySendError(
        Object.assign(new Error("slow down"), { name: "RequestThrottled", $metadata: { httpStatusCode: 403 } }),
      ).reason,
      "queue throttling (RequestThrottled)",
    );
    assert.equal(
      classifySendError(Object.assign(new Error("x"), { name: "InternalError", $metadata: { httpStatusCode: 500 } }))
        .reason,
      "queue error (InternalError, HTTP 500)",
    );
  });
});
