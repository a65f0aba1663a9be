import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "../../../../shared/events/event.ts";
import { SpoolError } from "../../../../local/bridge/errors.ts";
import { openSpool, type SpoolInput } from "../../../../local/bridge/spool.ts";

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

const tempDir = () => mkdtempSync(join(tmpdir(), "evd-spool-"));

describe("spool", () => {
  it("writes each change set as a numbered file and reads them back in order after a reopen", () => {
    const dir = tempDir();
    const a = openSpool({ dir });
    const r1 = a.append(input("e1"));
    const r2 = a.append(input("e2", "e3"));
    assert.equal(r1.kind, "spooled");
    assert.equal(r2.kind, "spooled");
    assert.deepEqual(readdirSync(join(dir, "pending")), ["000000000001.json", "000000000002.json"]);
    a.close();

    const b = openSpool({ dir });
    assert.deepEqual(
      b.pending().map((r) => r.jobs.map((j) => j.id)),
      [["e1#h"], ["e2#h", "e3#h"]],
    );
    assert.deepEqual(
      b.pending().map((r) => r.seq),
      [1, 2],
    );
    b.close();
  });

  it("refuses a job id already waiting or already sent, keeps only the new ones of a set", () => {
    const dir = tempDir();
    const s = openSpool({ dir });
    const first = s.append(input("e1"));
    assert.equal(first.kind, "spooled");
    assert.deepEqual(s.append(input("e1")), { kind: "duplicate", jobIds: ["e1#h"] });
    if (first.kind !== "spooled") return;
    s.markSent(first.record.seq, "e1#h");
    s.remove(first.record.seq);
    s.close();

    const again = openSpool({ dir });
    assert.equal(again.append(input("e1")).kind, "duplicate", "the sent log survives a restart");
    const mixed = again.append(input("e1", "e2"));
    assert.equal(mixed.kind, "spooled");
    if (mixed.kind === "spooled")
      assert.deepEqual(
        mixed.record.jobs.map((j) => j.id),
        ["e2#h"],
      );
    again.close();
  });

  it("keeps numbering after the spool emptied and the bridge restarted", () => {
    const dir = tempDir();
    const s = openSpool({ dir });
    for (const id of ["a", "b"]) {
      const r = s.append(input(id));
      if (r.kind !== "spooled") throw new Error("not spooled");
      s.markSent(r.record.seq, `${id}#h`);
      s.remove(r.record.seq);
    }
    s.close();
    const t = openSpool({ dir });
    const r = t.append(input("c"));
    assert.equal(r.kind === "spooled" ? r.record.seq : 0, 3);
    t.close();
  });

  it("ignores a torn last line of the sent log (the job is sent again, never lost)", () => {
    const dir = tempDir();
    const s = openSpool({ dir });
    const r = s.append(input("e1"));
    s.close();
    appendFileSync(join(dir, "sent-ids.log"), "2026-01-01T00:00:00.000Z\t1");
    const t = openSpool({ dir });
    assert.equal(t.isSent("e1#h"), false);
    assert.deepEqual(
      t.pending().map((p) => p.seq),
      [r.kind === "spooled" ? r.record.seq : -1],
    );
    t.close();
  });

  it("forgets sent ids older than the retention when opened", () => {
    const dir = tempDir();
    let now = new Date("2026-01-01T00:00:00Z");
    const s = openSpool({ dir, now: () => now });
    s.markSent(1, "old#h");
    s.close();
    now = new Date("2026-03-01T00:00:00Z");
    const t = openSpool({ dir, now: () => now, sentRetentionDays: 30 });
    assert.equal(t.isSent("old#h"), false);
    const r = t.append(input("n"));
    assert.equal(r.kind === "spooled" ? r.record.seq : 0, 2, "numbering continues past forgotten entries");
    t.close();
  });

  it("clears half-written tmp files and parks an unreadable pending file in rejected/", () => {
    const dir = tempDir();
    openSpool({ dir }).close();
    writeFileSync(join(dir, "tmp", "123.tmp"), '{"half');
    writeFileSync(join(dir, "pending", "000000000007.json"), "not json");
    const s = openSpool({ dir });
    assert.deepEqual(readdirSync(join(dir, "tmp")), []);
    assert.deepEqual(s.pending(), []);
    assert.deepEqual(readdirSync(join(dir, "rejected")), ["000000000007.json.unreadable"]);
    s.close();
  });

  it("moves a refused change set to rejected/ with the reason", () => {
    const dir = tempDir();
    const s = openSpool({ dir });
    const r = s.append(input("bad"));
    if (r.kind !== "spooled") throw new Error("not spooled");
    s.reject(r.record.seq, "queue refused the message (InvalidMessageContents)");
    assert.equal(s.count(), 0);
    const parked = JSON.parse(readFileSync(join(dir, "rejected", "000000000001.json"), "utf8")) as {
      reason: string;
      jobs: Job[];
    };
    assert.equal(parked.reason, "queue refused the message (InvalidMessageContents)");
    assert.equal(parked.jobs[0]!.id, "bad#h");
    s.close();
  });

  it("refuses a spool another live bridge holds, takes over the lock of a dead one", async () => {
    const dir = tempDir();
    openSpool({ dir }).close();
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      writeFileSync(join(dir, "lock"), String(other.pid));
      assert.throws(
        () => openSpool({ dir }),
        (err: unknown) => err instanceof SpoolError && err.message.includes(`pid ${other.pid}`),
      );
    } finally {
      other.kill("SIGKILL");
      await new Promise((r) => other.once("exit", r));
    }
    const s = openSpool({ dir });
    assert.equal(readFileSync(join(dir, "lock"), "utf8"), String(process.pid));
    s.close();
  });
});
