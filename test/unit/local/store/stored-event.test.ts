import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { openLocalStore } from "../../../../local/store/local-store.ts";
import { githubExample } from "../../../fixtures/github.ts";
import { config, event, job, openTemp, tempDir } from "./store-fixtures.ts";

describe("the event log stores payloads compressed", () => {
  it("keeps a 21 KB GitHub delivery as a compressed BLOB under 0.15x, and hands the job its event intact", async () => {
    const dir = tempDir();
    const store = openLocalStore({ dir, config: config() });
    const payload = githubExample("pull_request", "opened");
    const ev = event("pr-1", payload);
    assert.equal((await store.submit(ev, [job(ev)])).kind, "accepted");
    const [taken] = await store.takeBatch(1);
    assert.deepEqual(taken?.event, ev);
    assert.deepEqual(store.exportState().pending_queue, [ev]);
    await store.close();

    const db = new Database(`${dir}/evd.db`, { readonly: true });
    const row = db.prepare("SELECT typeof(json) AS t, length(json) AS n FROM events WHERE id = 'pr-1'").get() as {
      t: string;
      n: number;
    };
    db.close();
    assert.equal(row.t, "blob");
    assert.ok(row.n < 0.15 * Buffer.byteLength(JSON.stringify(ev)), `${row.n} bytes stored`);
  });

  it("reads rows written as text before compression existed", async () => {
    const dir = tempDir();
    const store = openLocalStore({ dir, config: config() });
    await store.close();
    const old = event("old-1", { big: "y".repeat(5000) });
    const db = new Database(`${dir}/evd.db`);
    db.prepare("INSERT INTO events (id, type, source, json, received_at) VALUES (?, ?, ?, ?, ?)").run(
      old.id,
      old.type,
      old.source,
      JSON.stringify(old),
      Date.now(),
    );
    db.prepare(
      "INSERT INTO jobs (id, event_id, handler, state, available_at, enqueued_at, updated_at) VALUES ('old-1#h', 'old-1', 'h', 'PENDING', 0, 0, 0)",
    ).run();
    db.close();
    const reopened = openLocalStore({ dir, config: config() });
    const [taken] = await reopened.takeBatch(1);
    assert.deepEqual(taken?.event, old);
    await reopened.close();
  });

  it("dead-letters a job whose stored event cannot be decoded, naming why, and keeps serving the others", async () => {
    const store = openTemp();
    const bad = event("bad-1", { big: "z".repeat(5000) });
    const good = event("good-1");
    await store.submit(bad, [job(bad)]);
    await store.submit(good, [job(good)]);
    // Damage the stored bytes of the first event through a second connection.
    const db = new Database(store.file);
    db.prepare("UPDATE events SET json = ? WHERE id = 'bad-1'").run(Buffer.from([0x00, 0x01, 0xff, 0xfe, 0xfd]));
    db.close();
    const taken = await store.takeBatch(2);
    assert.deepEqual(
      taken.map((j) => j.id),
      ["good-1#h"],
    );
    const dead = store.getJob("bad-1#h");
    assert.equal(dead?.state, "DEAD");
    assert.match(dead?.lastError ?? "", /event "bad-1" cannot be read from the event log: stored payload is damaged/);
  });
});
