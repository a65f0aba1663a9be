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

function filesSize(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // no WAL right now
    }
  }
  return n;
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
  const samples: { events: number; bytes: number }[] = [];
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
        samples.push({ events: done, bytes: filesSize(store.file) });
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
    // From the second simulated day on, a day of events is retained: the size must not grow.
    const steadyFrom = samples.find((s) => s.events >= 2 * o.perDay) ?? samples[0]!;
    const last = samples.at(-1)!;
    const growth = last.bytes / steadyFrom.bytes;
    o.say(
      `  ${o.count} events at ${o.perDay}/day, retention 1 day: ${held} events held at the end; store ${(steadyFrom.bytes / 1024 ** 2).toFixed(1)} MB after ${steadyFrom.events} events, ${(last.bytes / 1024 ** 2).toFixed(1)} MB after ${last.events} (x${growth.toFixed(2)}); ${(closedBytes / 1024 ** 2).toFixed(1)} MB once closed`,
    );
    return [
      figure({
        id: "5.bounded",
        figure: 5,
        title: `Store size under retention: growth from day 2 to the end of ${o.count.toLocaleString("en")} events`,
        unit: "x",
        values: [growth],
        target: { on: "value", op: Comparison.AT_MOST, limit: 1.1 },
        detail: {
          events_per_day: o.perDay,
          retention_days: 1,
          events_held_at_end: held,
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
