import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { join } from "node:path";
import Database from "better-sqlite3";
import { GroupCommitter } from "../../../../local/store/group-commit.ts";
import { openLocalStore } from "../../../../local/store/local-store.ts";
import { config, event, job, submit, tempDir } from "./store-fixtures.ts";

function openDb(): Database.Database {
  const db = new Database(join(tempDir(), "flush.db"));
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  return db;
}

/** A flush the test completes by hand, recording what was committed when each one started. */
function manualFlush(db: Database.Database) {
  const started: number[] = [];
  const finish: ((error?: Error) => void)[] = [];
  return {
    started,
    sync: () =>
      new Promise<void>((resolve, reject) => {
        started.push((db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n);
        finish.push((error) => (error ? reject(error) : resolve()));
      }),
    complete(error?: Error) {
      finish.shift()!(error);
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("GroupCommitter with a durability flush off the event loop", () => {
  it("settles a committed batch only after a flush that started after its COMMIT", async () => {
    const db = openDb();
    const flush = manualFlush(db);
    const gc = new GroupCommitter(db, "flush.db", { sync: flush.sync });
    const insert = db.prepare("INSERT INTO t (k) VALUES (?)");
    let settled = 0;
    const first = [gc.run(() => insert.run("a")), gc.run(() => insert.run("b"))].map((p) =>
      p.then(() => {
        settled += 1;
      }),
    );
    await tick();
    assert.deepEqual(flush.started, [2], "the flush starts after the batch committed");
    assert.equal(settled, 0, "nothing settles while the flush runs");
    // Writes queued during the flush wait for it, then commit in one transaction and flush again.
    const second = [gc.run(() => insert.run("c")), gc.run(() => insert.run("d"))].map((p) =>
      p.then(() => {
        settled += 1;
      }),
    );
    await tick();
    assert.deepEqual(flush.started, [2]);
    flush.complete();
    await Promise.all(first);
    assert.equal(settled, 2);
    await tick();
    assert.deepEqual(flush.started, [2, 4]);
    assert.equal(settled, 2);
    flush.complete();
    await Promise.all(second);
    assert.deepEqual(gc.stats(), { transactions: 2, operations: 4, largestBatch: 2, syncs: 2 });
    await gc.close();
    db.close();
  });

  it("fails the writes of a batch whose flush failed: committed, but no caller is told it is durable", async () => {
    const db = openDb();
    const flush = manualFlush(db);
    const gc = new GroupCommitter(db, "flush.db", { sync: flush.sync });
    const pending = gc.run(() => db.prepare("INSERT INTO t (k) VALUES ('x')").run());
    await tick();
    flush.complete(new Error("EIO"));
    await assert.rejects(pending, /flush\.db: commit of 1 write\(s\) failed: EIO/);
    await gc.close();
    db.close();
  });
});

describe("the store's WAL flush and checkpoints", () => {
  it("answers submits after an fdatasync of the WAL, checkpoints a growing WAL, and keeps everything across a reopen", async () => {
    const dir = tempDir();
    const store = openLocalStore({ dir, config: config({ queue_capacity: 10_000 }) });
    // Incompressible (the event log compresses payloads): each event adds about 130 KB to the WAL.
    const big = randomBytes(100_000).toString("base64");
    for (let wave = 0; wave < 6; wave++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const ev = event(`big-${wave}-${i}`, { big });
          return store.submit(ev, [job(ev)]);
        }),
      );
    }
    const stats = store.commitStats();
    assert.ok((stats.syncs ?? 0) >= 1 && (stats.syncs ?? 0) <= stats.transactions, JSON.stringify(stats));
    assert.equal(stats.operations, 60);
    await submit(store, "last");
    await store.close();
    assert.ok((store.commitStats().checkpoints ?? 0) >= 1, "a WAL past 4 MB was checkpointed");
    const reopened = openLocalStore({ dir, config: config({ queue_capacity: 10_000 }) });
    assert.equal(reopened.depth(), 61);
    await reopened.close();
  });

  it("runs the worker's bookkeeping (take, claim, complete, history, ack) without a WAL flush, and a kill -9 keeps it", async () => {
    const dir = tempDir();
    const store = openLocalStore({ dir, config: config() });
    await submit(store, "w1");
    const syncs = store.commitStats().syncs;
    const [taken] = await store.takeBatch(1);
    assert.equal(taken?.id, "w1#h");
    assert.equal((await store.jobs.claim("w1#h", 60_000, Date.now())).kind, "claimed");
    const result = {
      event_id: "w1",
      job_id: "w1#h",
      handler: "h",
      success: true,
      actions_taken: [],
      output: null,
      error: null,
    };
    await store.jobs.complete("w1#h", result, Date.now());
    await store.history.append(result);
    await store.ack("w1#h", result);
    assert.equal(store.commitStats().syncs, syncs, "no flush was waited for");
    // Committed is in the OS: another connection (as after kill -9 of this process) sees it.
    const db = new Database(join(dir, "evd.db"), { readonly: true });
    assert.equal(
      (db.prepare("SELECT state FROM jobs WHERE id = 'w1#h'").get() as { state: string }).state,
      "COMPLETED",
    );
    db.close();
    await store.close();
  });

  it("asks for checkpoints while only the worker writes (a drain), not only after flushes", async () => {
    const dir = tempDir();
    const store = openLocalStore({ dir, config: config({ queue_capacity: 1000 }) });
    for (let i = 0; i < 60; i++) await submit(store, `d${i}`);
    const before = store.commitStats();
    const big = randomBytes(100_000).toString("base64");
    for (const job of await store.takeBatch(60)) {
      // About 8 MB of job results in all: COMMITTED writes only, so no flush follows them.
      await store.ack(job.id, { event_id: job.event.id, success: true, actions_taken: [], output: big, error: null });
    }
    const after = store.commitStats();
    assert.equal(after.syncs, before.syncs, "the drain waited for no flush");
    await store.close(); // waits for the checkpoints asked for
    const checkpoints = store.commitStats().checkpoints ?? 0;
    assert.ok(checkpoints > (before.checkpoints ?? 0), JSON.stringify({ before, after, checkpoints }));
  });
});
