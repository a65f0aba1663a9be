/**
 * Figure 5 (bounded size): the embedded store under retention over a long run, in this process
 * with a simulated clock (the daemon's clock is the wall clock). `count` GitHub deliveries arrive
 * `perDay` a day; each runs as the worker runs it (takeBatch, claim, complete, history, ack) and
 * the retention pass runs every simulated hour, as the worker does, with
 * `event_log_retention_days: 1` and the default `history_limit`. The store's files (database +
 * WAL) are measured as the run goes: once a day's events are retained the size must stop growing
 * (old events, jobs and history removed, their pages reused).
 */
import { statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parseConfig } from "../../shared/config/parse.ts";
import { normalizeGithubDelivery } from "../../shared/events/github.ts";
import { jobIdOf, type EventResult } from "../../shared/events/event.ts";
import { openLocalStore } from "../../local/store/local-store.ts";
import { GITHUB_PATH, BENCH_SECRET, deliveryId, pullRequestDelivery } from "../lib/github-delivery.ts";
import { Comparison, figure, type FigureResult } from "../lib/results.ts";

export interface StoreRetentionOptions {
  readonly baseDir: string;
  readonly count: number;
  readonly perDay: number;
  readonly say: (line: string) => void;
}

const HOUR = 3_600_000;

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // no WAL right now
  }
}

export async function storeRetentionFigures(o: StoreRetentionOptions): Promise<FigureResult[]> {
  const dir = await mkdtemp(join(o.baseDir, "retention-"));
  const config = parseConfig(
    {
      sources: [{ type: "git_pr", path: GITHUB_PATH, secret: BENCH_SECRET, handler: "noop" }],
      handlers: { noop: { prompt: "Pull request #{payload.number} of {repo}" } },
      event_log_retention_days: 1,
      queue_capacity: 1_000_000,
    },
    { where: "bench retention config", env: {} },
  );
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  const store = openLocalStore({ dir, config, clock });
  const body = pullRequestDelivery().body.toString("utf8");
  const step = 86_400_000 / o.perDay;
  const samples: { events: number; bytes: number; dbBytes: number; walBytes: number }[] = [];
  let nextPrune = now + HOUR;
  const sampleEvery = Math.max(1, Math.floor(o.count / 20));
  let nextSample = sampleEvery;
  const CHUNK = 200;
  try {
    for (let done = 0; done < o.count;) {
      const n = Math.min(CHUNK, o.count - done);
      await Promise.all(
        Array.from({ length: n }, (_, i) => {
          const event = normalizeGithubDelivery({
            eventName: "pull_request",
            deliveryId: deliveryId(),
            payload: JSON.parse(body) as Record<string, unknown>,
            receivedAt: new Date(now + i * step),
            path: GITHUB_PATH,
          });
          return store.submit(event, [
            { id: jobIdOf(event.id, "noop"), handler: "noop", event, attempt: 1, enqueued_at: event.timestamp },
          ]);
        }),
      );
      now += n * step;
      done += n;
      for (;;) {
        const jobs = await store.takeBatch(64);
        if (jobs.length === 0) break;
        await Promise.all(
          jobs.map(async (job) => {
            await store.jobs.claim(job.id, 60_000, now);
            const at = new Date(now).toISOString();
            const result: EventResult = {
              event_id: job.event.id,
              job_id: job.id,
              handler: job.handler,
              success: true,
              actions_taken: [],
              output: "[echo model=echo]\nPull request",
              error: null,
              status: "succeeded",
              attempt: 1,
              started_at: at,
              finished_at: at,
              duration_ms: 1,
            };
            await store.jobs.complete(job.id, result, now);
            await store.history.append(result);
            await store.ack(job.id, result);
          }),
        );
      }
      while (now >= nextPrune) {
        await store.prune(now);
        nextPrune += HOUR;
      }
      if (done >= nextSample || done === o.count) {
        const dbBytes = sizeOf(store.file);
        const walBytes = sizeOf(`${store.file}-wal`);
        samples.push({ events: done, bytes: dbBytes + walBytes, dbBytes, walBytes });
        nextSample += sampleEvery;
      }
    }
    const held = store.exportState().processed_events.length;
    await store.close();
    const closedBytes = statSync(store.file).size;
    const db = new Database(store.file, { readonly: true });
    const pages = {
      total: db.pragma("page_count", { simple: true }),
      free: db.pragma("freelist_count", { simple: true }),
    };
    db.close();
    // From the second simulated day on a day of events is retained: the largest size seen in the
    // run's second half must not exceed the largest seen between day 2 and the middle of the run
    // (the WAL grows and is reset by checkpoints, so single samples swing).
    const half = o.count / 2;
    const early = samples.filter((x) => x.events >= 2 * o.perDay && x.events <= half);
    const late = samples.filter((x) => x.events > half);
    const peak = (xs: typeof samples, k: "bytes" | "dbBytes" | "walBytes") => Math.max(...xs.map((x) => x[k]));
    const growth = peak(late, "bytes") / peak(early, "bytes");
    const dbGrowth = peak(late, "dbBytes") / peak(early, "dbBytes");
    o.say(
      `  ${o.count} events at ${o.perDay}/day, retention 1 day: ${held} events held at the end; peak store ${(peak(early, "bytes") / 1024 ** 2).toFixed(1)} MB from day 2 to mid-run, ${(peak(late, "bytes") / 1024 ** 2).toFixed(1)} MB after (x${growth.toFixed(2)}; database file x${dbGrowth.toFixed(2)}, WAL peak ${(peak(samples, "walBytes") / 1024 ** 2).toFixed(1)} MB); ${(closedBytes / 1024 ** 2).toFixed(1)} MB once closed, ${pages.free} of ${pages.total} pages free`,
    );
    return [
      figure({
        id: "5.bounded",
        figure: 5,
        title: `Store size (database + WAL) under retention over ${o.count.toLocaleString("en")} events: peak in the second half vs day 2 to mid-run`,
        unit: "x",
        values: [growth],
        target: { on: "value", op: Comparison.AT_MOST, limit: 1.1 },
        detail: {
          events_per_day: o.perDay,
          retention_days: 1,
          events_held_at_end: held,
          database_file_growth: dbGrowth,
          samples,
          closed_store_bytes: closedBytes,
          pages_at_end: pages,
        },
      }),
    ];
  } finally {
    await store.close();
  }
}
