import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import Database from "better-sqlite3";
import { GroupCommitter } from "../../../../local/store/group-commit.ts";
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
});
