import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Durability, GroupCommitter } from "../../../../local/store/group-commit.ts";
import { tempDir } from "./store-fixtures.ts";

function openDb(): Database.Database {
  const db = new Database(join(tempDir(), "gc.db"));
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  return db;
}

describe("GroupCommitter", () => {
  it("commits the writes of one turn in one transaction and settles each after it", async () => {
    const db = openDb();
    const gc = new GroupCommitter(db, "gc.db");
    const insert = db.prepare("INSERT INTO t (k) VALUES (?)");
    const all = Array.from({ length: 20 }, (_, i) => gc.run(() => insert.run(`k${i}`).changes));
    assert.deepEqual(await Promise.all(all), Array(20).fill(1));
    assert.deepEqual(gc.stats(), { transactions: 1, operations: 20, largestBatch: 20 });
    gc.close();
    db.close();
  });

  it("fails only the operation that threw; the rest of its batch commits", async () => {
    const db = openDb();
    const gc = new GroupCommitter(db, "gc.db");
    const insert = db.prepare("INSERT INTO t (k) VALUES (?)");
    const results = await Promise.allSettled([
      gc.run(() => insert.run("a")),
      gc.run(() => {
        insert.run("b");
        throw new Error("bad input");
      }),
      gc.run(() => insert.run("a")), // constraint violation: fails alone too
      gc.run(() => insert.run("c")),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "rejected", "fulfilled"],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /bad input/);
    assert.deepEqual(
      (db.prepare("SELECT k FROM t ORDER BY k").all() as { k: string }[]).map((r) => r.k),
      ["a", "c"],
    );
    assert.equal(gc.stats().transactions, 1);
    gc.close();
    await assert.rejects(
      gc.run(() => 1),
      /gc\.db: the store is closed/,
    );
    db.close();
  });

  it("settles COMMITTED writes at their commit, without waiting for (or queueing behind) a flush; durable ones after it", async () => {
    const db = openDb();
    let release!: () => void;
    let flushes = 0;
    const gc = new GroupCommitter(db, "gc.db", {
      sync: () => {
        flushes++;
        return new Promise<void>((r) => (release = r));
      },
    });
    const insert = db.prepare("INSERT INTO t (k) VALUES (?)");
    const settled: string[] = [];
    const durable = gc.run(() => insert.run("durable")).then(() => settled.push("durable"));
    // The durable write commits, then its flush hangs: a COMMITTED write still commits and settles.
    await new Promise((r) => setImmediate(r));
    assert.equal(flushes, 1);
    await gc
      .run(() => insert.run("committed"), { durability: Durability.COMMITTED })
      .then(() => settled.push("committed"));
    assert.deepEqual(settled, ["committed"]);
    assert.equal(gc.stats().transactions, 2);
    // A durable write queued meanwhile waits for the flush in progress, then gets its own.
    const later = gc.run(() => insert.run("later")).then(() => settled.push("later"));
    await new Promise((r) => setImmediate(r));
    assert.equal(gc.stats().transactions, 2, "the durable write waits for the flush in progress");
    release();
    await durable;
    await new Promise((r) => setImmediate(r));
    release();
    await later;
    assert.deepEqual(settled, ["committed", "durable", "later"]);
    assert.equal(flushes, 2, "COMMITTED-only batches start no flush");
    assert.deepEqual(
      (db.prepare("SELECT k FROM t ORDER BY k").all() as { k: string }[]).map((r) => r.k),
      ["committed", "durable", "later"],
    );
    await gc.close();
    db.close();
  });

  it("tells onCommitted the value as the transaction commits, while the flush still holds the promise", async () => {
    const db = openDb();
    let release!: () => void;
    const gc = new GroupCommitter(db, "gc.db", { sync: () => new Promise<void>((r) => (release = r)) });
    const insert = db.prepare("INSERT INTO t (k) VALUES (?)");
    const seen: string[] = [];
    const done = gc
      .run(() => insert.run("x").changes, { onCommitted: (n) => seen.push(`committed ${n}`) })
      .then((n) => seen.push(`settled ${n}`));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ["committed 1"]);
    release();
    await done;
    assert.deepEqual(seen, ["committed 1", "settled 1"]);
    await gc.close();
    db.close();
  });
});
