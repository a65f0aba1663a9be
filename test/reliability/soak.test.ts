/**
 * Long uptime (issue 13 item 2): 100,000 events through the daemon's own ingest, store and worker
 * (everything but the socket), with the WAL size and the process's RSS sampled every 100 ms. Before
 * the fix the WAL grew without bound under sustained load (1.19 GB after 20,000 events next to a
 * 49 MB database), still growing while idle; now truncating checkpoints keep it bounded, and an
 * idle store truncates it to nothing.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../shared/config/parse.ts";
import { createIngest } from "../../shared/ingest/ingest.ts";
import { silentLogger } from "../../shared/logging/logger.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import { createRuntime } from "../../local/orchestrator/runtime.ts";
import { openLocalStore } from "../../local/store/local-store.ts";
import { storeHandlerState } from "../../local/store/store-handler-state.ts";
import { createWorker } from "../../local/worker/worker.ts";
import { waitFor } from "../harness/wait-for.ts";

const EVENTS = 100_000;
const IN_FLIGHT = 256;
const SECRET = "soak-secret-0123456789";
/** The bounds this suite holds the store to (the truncating checkpoint starts at 16 MiB). */
export const WAL_BOUND_MIB = 48;
export const RSS_BOUND_MIB = 400;
/** RSS may not keep growing: from the first tenth of the run to its end, at most this much. */
export const RSS_GROWTH_BOUND_MIB = 96;

const MIB = 1024 * 1024;

/**
 * The store goes on /dev/shm when there is one: every commit is fdatasync'd, and on the shared disk
 * of a CI machine 100,000 events would take minutes. The checkpoint policy does not depend on the
 * disk's speed (a fast disk makes a starved WAL grow faster, if anything); the same soak on the
 * VM's disk is in local/store/ARCHITECTURE.md.
 */
const BASE = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();

describe("reliability: a 100,000-event soak", () => {
  const dir = mkdtempSync(join(BASE, "evd-soak-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the WAL and RSS bounded, runs every event once, and truncates the WAL when idle", async () => {
    const config = parseConfig(
      {
        sources: [{ type: "webhook", path: "/hooks/soak", secret: SECRET, handler: "soak" }],
        handlers: { soak: { prompt: "soak {payload.n}" } },
        max_concurrent_handlers: 32,
        queue_capacity: 20_000,
      },
      { where: "soak", env: {} },
    );
    const store = openLocalStore({ dir, config, clock: systemClock });
    // The daemon's own runtime (hooks, secrets, pipeline) and ingest.
    const { hooks, secrets, pipeline } = await createRuntime({
      config,
      configDir: dir,
      env: {},
      logger: silentLogger,
      handlerState: storeHandlerState(store),
      clock: systemClock,
    });
    const ingest = createIngest({ config, queue: store, secrets, hooks, clock: systemClock, logger: silentLogger });
    const worker = createWorker({ store, config, pipeline, hooks, clock: systemClock, logger: silentLogger });
    await worker.start();

    const walFile = `${store.file}-wal`;
    const walBytes = () => {
      try {
        return statSync(walFile).size;
      } catch {
        return 0;
      }
    };
    const samples: { at: number; wal: number; rss: number; done: number }[] = [];
    const completed = () => store.counts().COMPLETED;
    const sampler = setInterval(
      () => samples.push({ at: Date.now(), wal: walBytes(), rss: process.memoryUsage().rss, done: completed() }),
      100,
    );
    const started = Date.now();
    const padding = "x".repeat(300);
    let next = 0;
    let refused = 0;
    async function producer(): Promise<void> {
      while (next < EVENTS) {
        const n = next++;
        const body = JSON.stringify({ n, padding });
        for (;;) {
          const res = await ingest({
            method: "POST",
            path: "/hooks/soak",
            headers: { "x-signature": signHmacSha256(SECRET, body), "content-type": "application/json" },
            rawBody: Buffer.from(body),
          });
          if (res.status === 202) break;
          assert.equal(res.status, 429, res.body);
          refused++;
          // Back-pressure: wait for the worker to drain the backlog, as a sender honouring retry-after would.
          await waitFor(() => store.depth() < config.queue_capacity / 2, "the backlog to drain", 60_000);
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, producer));
      await waitFor(() => completed() >= EVENTS, "every event to run", 240_000);
      const loadedFor = Date.now() - started;
      // Idle: the policy truncates the WAL.
      const atRest = await waitFor(() => (walBytes() === 0 ? 0 : undefined), "the idle checkpoint", 30_000);
      clearInterval(sampler);
      const peakWal = Math.max(...samples.map((s) => s.wal));
      const peakRss = Math.max(...samples.map((s) => s.rss));
      const early = samples.find((s) => s.done >= EVENTS / 10)?.rss ?? samples[0]!.rss;
      const late = samples.at(-1)!.rss;
      const dbBytes = statSync(store.file).size;
      process.stdout.write(
        `# soak: ${EVENTS} events in ${(loadedFor / 1000).toFixed(1)} s (${refused} 429s), db ${(dbBytes / MIB).toFixed(1)} MiB, ` +
          `WAL peak ${(peakWal / MIB).toFixed(1)} MiB, at rest ${atRest} bytes, RSS peak ${(peakRss / MIB).toFixed(0)} MiB ` +
          `(${(early / MIB).toFixed(0)} MiB at 10%, ${(late / MIB).toFixed(0)} MiB at the end), ` +
          `checkpoints ${JSON.stringify(store.commitStats())}\n`,
      );
      assert.equal(store.counts().COMPLETED, EVENTS);
      assert.equal(store.depth(), 0);
      assert.ok(peakWal < WAL_BOUND_MIB * MIB, `WAL peaked at ${(peakWal / MIB).toFixed(1)} MiB`);
      assert.ok(peakRss < RSS_BOUND_MIB * MIB, `RSS peaked at ${(peakRss / MIB).toFixed(0)} MiB`);
      assert.ok(late - early < RSS_GROWTH_BOUND_MIB * MIB, `RSS grew ${((late - early) / MIB).toFixed(0)} MiB`);
    } finally {
      clearInterval(sampler);
      await worker.stop({ timeoutMs: 5000 });
      await store.close();
    }
  });
});
