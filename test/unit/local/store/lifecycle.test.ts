import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openLocalStore, STORE_FILE_NAME } from "../../../../local/store/local-store.ts";
import { SCHEMA_VERSION } from "../../../../local/store/migrations.ts";
import { config, submit, tempDir } from "./store-fixtures.ts";

describe("opening and closing the store", () => {
  it("creates <dir>/evd.db in WAL mode with synchronous FULL, and records the schema version", async () => {
    const dir = join(tempDir(), "nested", ".amplifier");
    const store = openLocalStore({ dir, config: config() });
    assert.equal(store.file, join(dir, STORE_FILE_NAME));
    await store.close();
    const db = new Database(store.file, { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as {
        version: number;
      }[];
      assert.equal(versions.at(-1)?.version, SCHEMA_VERSION);
    } finally {
      db.close();
    }
    // Reopening applies nothing twice.
    const again = openLocalStore({ dir, config: config() });
    await again.close();
  });

  it("refuses a store written by a newer evd, naming the file and both versions", async () => {
    const dir = tempDir();
    await openLocalStore({ dir, config: config() }).close();
    const db = new Database(join(dir, STORE_FILE_NAME));
    db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(SCHEMA_VERSION + 1, "later");
    db.close();
    assert.throws(
      () => openLocalStore({ dir, config: config() }),
      new RegExp(
        `evd\\.db: the store has schema version ${SCHEMA_VERSION + 1}, newer than this evd understands \\(${SCHEMA_VERSION}\\)`,
      ),
    );
  });

  it("close() commits the submits still in flight, then refuses new writes", async () => {
    const dir = tempDir();
    const store = openLocalStore({ dir, config: config() });
    const pending = [submit(store, "late1"), submit(store, "late2")];
    await store.close();
    assert.deepEqual(
      (await Promise.all(pending)).map((o) => o.kind),
      ["accepted", "accepted"],
    );
    await assert.rejects(submit(store, "after"), /the store is closed/);
    assert.throws(() => store.depth(), /the store is closed/);
    const reopened = openLocalStore({ dir, config: config() });
    assert.equal(reopened.depth(), 2);
    await reopened.close();
  });

  it("wakes listeners after a commit that made work runnable", async () => {
    const store = openLocalStore({ dir: tempDir(), config: config() });
    let woken = 0;
    const off = store.onWork(() => {
      woken += 1;
    });
    await submit(store, "w1");
    await submit(store, "w1"); // duplicate: nothing new
    assert.equal(woken, 1);
    off();
    await submit(store, "w2");
    assert.equal(woken, 1);
    await store.close();
  });
});
