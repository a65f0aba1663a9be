/**
 * kill -9 with 200 acknowledged jobs pending, restart: all 200 complete, none twice. Each job
 * first calls the gate (tool-http), then appends its side effect (tool-filesystem) to a file of
 * its own. The gate lets 50 jobs through and then holds the running ones, so the kill lands while
 * two jobs are mid-run (before their side effect) and 148 wait in the queue.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import {
  history,
  post,
  startDaemonProcess,
  gatedWorkConfig,
  startGate,
  tempDir,
  waitFor,
  writeConfig,
  type Gate,
} from "./helpers/daemon-process.ts";

const SECRET = "crash-e2e-secret";
const TOTAL = 200;
const BEFORE_CRASH = 50;

function config(gate: Gate): string {
  return gatedWorkConfig(gate, {
    secret: SECRET,
    append: { path: "effects/{payload.n}.log", content: "{event.id}\n" },
    maxConcurrentHandlers: 2,
  });
}

async function effects(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let names: string[] = [];
  try {
    names = await readdir(join(dir, "effects"));
  } catch {
    return out;
  }
  for (const n of names)
    out.set(n, (await readFile(join(dir, "effects", n), "utf8")).split("\n").filter((l) => l !== "").length);
  return out;
}

describe("e2e: crash recovery", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let gate: Gate;
  before(async () => {
    tmp = await tempDir("crash");
    gate = await startGate({ allow: BEFORE_CRASH });
  });
  after(async () => {
    await gate.close();
    await tmp.cleanup();
  });

  it("completes every acknowledged job after kill -9 and restart, none twice", async () => {
    const configPath = await writeConfig(tmp.dir, "evd.yaml", config(gate));
    const first = await startDaemonProcess({ configPath });
    const url = `${first.url}/hooks/work`;
    const statuses: string[] = [];
    for (let i = 0; i < TOTAL; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, (_, k) => {
          const body = JSON.stringify({ n: i + k });
          return post(url, body, { "x-signature": signHmacSha256(SECRET, body) });
        }),
      );
      for (const r of batch) statuses.push(`${r.status} ${String(r.body.status)}`);
    }
    assert.deepEqual(new Set(statuses), new Set(["202 accepted"]));
    assert.equal(statuses.length, TOTAL);

    // 50 jobs done, the next two held mid-run, 148 waiting: crash now.
    await waitFor(
      () => gate.served() === BEFORE_CRASH && gate.held() === 2,
      "two jobs held mid-run after 50 completed",
    );
    assert.equal((await effects(tmp.dir)).size, BEFORE_CRASH);
    await first.kill9();
    gate.open();

    const second = await startDaemonProcess({ configPath });
    try {
      await waitFor(
        async () => (await history(second)).filter((h) => h.status === "succeeded").length >= TOTAL,
        "all 200 jobs to complete",
        120_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      const counts = await effects(tmp.dir);
      assert.equal(counts.size, TOTAL, "every acknowledged job ran");
      const twice = [...counts].filter(([, n]) => n !== 1);
      assert.deepEqual(twice, [], "no job's side effect happened twice");
      const runs = await history(second);
      assert.equal(runs.filter((h) => h.status === "succeeded").length, TOTAL);
      assert.equal(new Set(runs.map((h) => h.job_id)).size, runs.length);
      const status = await second.admin.call<{ queue_depth: number; counts: Record<string, number> }>("GET", "/status");
      assert.equal(status.queue_depth, 0);
      assert.equal(status.counts.COMPLETED, TOTAL);
      // The two interrupted runs ran again (at-least-once for an interrupted run): the gate saw them twice.
      assert.equal(gate.bodies().length, TOTAL + 2);
    } finally {
      await second.stop();
    }
  });
});
