/**
 * A damaged store (issue 13 item 6). Before the fix, a store with damaged index or data pages
 * started, `/healthz` said ok, and every webhook got 503. Now the daemon checks the file at start
 * (quick_check), refuses a damaged one without changing it and says how to recover; `evd daemon
 * repair` keeps a copy of the damaged files and rebuilds the store (indexes, or every readable row).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, openSync, readdirSync, readFileSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import { post, runCli, startDaemonProcess, tempDir, writeConfig } from "../e2e/helpers/daemon-process.ts";

const SECRET = "corrupt-secret-0123456789";
const EVENTS = 400;

const CONFIG = `
sources:
  - type: webhook
    path: /hooks/in
    secret: ${SECRET}
    handler: note
handlers:
  note:
    prompt: "noted {payload.n}"
webhook_port: 0
state_file: state/event-state.json
`;

const bodyOf = (n: number) => JSON.stringify({ n, text: "x".repeat(400) });
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Overwrites one page of `table`'s b-tree (a leaf from its middle) with garbage. */
function damagePage(file: string, btree: string): number {
  const db = new Database(file, { readonly: true });
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const pages = db
    .prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno")
    .all(btree) as { pageno: number }[];
  db.close();
  assert.ok(pages.length > 2, `${btree} has ${pages.length} leaf pages`);
  const victim = pages[Math.floor(pages.length / 2)]!.pageno;
  const fd = openSync(file, "r+");
  writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (victim - 1) * pageSize);
  closeSync(fd);
  return victim;
}

describe("reliability: a damaged store", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let configPath = "";
  let stateDir = "";
  before(async () => {
    tmp = await tempDir("corrupt");
    configPath = await writeConfig(tmp.dir, "evd.yaml", CONFIG);
    const d = await startDaemonProcess({ configPath });
    stateDir = d.stateDir;
    for (let n = 0; n < EVENTS; n += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          post(`${d.url}/hooks/in`, bodyOf(n + k), { "x-signature": signHmacSha256(SECRET, bodyOf(n + k)) }),
        ),
      );
    }
    assert.equal(await d.stop(), 0);
  });
  after(() => tmp.cleanup());

  const file = () => join(stateDir, "evd.db");

  for (const [what, btree, method, fresh] of [
    ["an index page", "jobs_event", /rebuilt|indexes/, 10_000],
    ["a data page", "events", /rebuilt from every record that could be read/, 10_001],
  ] as const) {
    it(`${what}: refused at start, nothing changed, repaired by evd daemon repair`, async () => {
      damagePage(file(), btree);
      const before = sha(file());
      const start = await runCli(["daemon", "--config", configPath]);
      assert.equal(start.code, 1, start.stdout);
      assert.match(start.stderr, /is damaged \(integrity check: /);
      assert.match(start.stderr, /evd daemon repair/);
      assert.equal(sha(file()), before, "the refused start changed nothing");
      assert.ok(!existsSync(join(stateDir, "admin.json")));

      const repair = await runCli(["daemon", "repair", "--config", configPath]);
      assert.equal(repair.code, 0, repair.stderr);
      assert.match(repair.stdout, /was damaged/);
      assert.match(repair.stdout, method);
      assert.ok(
        readdirSync(stateDir).some((f) => f.startsWith("evd.db.damaged-")),
        "the damaged file is kept",
      );

      const d = await startDaemonProcess({ configPath });
      try {
        const health = await fetch(`${d.url}/healthz`);
        assert.equal(health.status, 200);
        // What survived still deduplicates: a redelivery of an early event (not on the damaged page) is a duplicate.
        const again = await post(`${d.url}/hooks/in`, bodyOf(0), { "x-signature": signHmacSha256(SECRET, bodyOf(0)) });
        assert.equal(again.status, 202);
        assert.equal(again.body.status, "duplicate");
        const accepted = await post(`${d.url}/hooks/in`, bodyOf(fresh), {
          "x-signature": signHmacSha256(SECRET, bodyOf(fresh)),
        });
        assert.equal(accepted.body.status, "accepted");
      } finally {
        assert.equal(await d.stop(), 0);
      }
    });
  }
});
