/**
 * Figure 4 (and 5's bytes per event): `count` jobs queued before `evd daemon` starts
 * (max_concurrent_handlers 8, history kept for every run so runs can be counted), then drained by
 * the daemon's worker. jobs/s from the daemon's spawn to the last job finished; peak RSS (VmHWM,
 * all threads); lost = jobs not COMPLETED; duplicated = runs recorded more than once per job, and
 * jobs handed out more than once, counted from the store. Then the store's size per event, with
 * each event's job and history row kept (the daemon stopped: the WAL checkpointed away).
 */
import { statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Cores } from "../lib/cores.ts";
import { writeDaemonConfig } from "../lib/daemon-config.ts";
import { BENCH_SECRET, pullRequestDelivery } from "../lib/github-delivery.ts";
import { prefillQueue } from "../lib/prefill.ts";
import { perfRecord, PERF_NODE_ARGS } from "../lib/perf-record.ts";
import { cpuSince, cpuTime, memory, totalMs } from "../lib/proc-stats.ts";
import { Comparison, figure, type FigureResult } from "../lib/results.ts";
import { StoreProbe, type StoreCounts } from "../lib/store-probe.ts";
import { freePort, startDaemon } from "../lib/targets.ts";

export interface QueuedJobsOptions {
  readonly cores: Cores;
  readonly baseDir: string;
  readonly count: number;
  readonly say: (line: string) => void;
  /** A folder: `perf record` the daemon while it drains (see lib/perf-record.ts). */
  readonly perfDir?: string;
}

/** Bytes per table and index (SQLite's dbstat), largest first. */
function spaceByObject(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC")
      .all() as {
      name: string;
      bytes: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
  } finally {
    db.close();
  }
}

export async function queuedJobsFigures(o: QueuedJobsOptions): Promise<FigureResult[]> {
  const dir = await mkdtemp(join(o.baseDir, "queue-"));
  const port = await freePort();
  const configPath = writeDaemonConfig(dir, { port, maxConcurrentHandlers: 8, historyLimit: o.count * 2 });
  const t0 = Date.now();
  await prefillQueue(configPath, o.count, { BENCH_SECRET });
  o.say(`  queued ${o.count} jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const file = join(dir, "state", "evd.db");
  const started = Date.now();
  const daemon = await startDaemon({
    configPath,
    port,
    dir,
    cores: o.cores,
    ...(o.perfDir ? { nodeArgs: PERF_NODE_ARGS } : {}),
  });
  const cpuAtReady = cpuTime(daemon.pid);
  const perf = await perfRecord(daemon.pid, o.perfDir, "drain");
  const probe = new StoreProbe(file);
  let peakSampled = 0;
  let counts: StoreCounts;
  try {
    for (;;) {
      peakSampled = Math.max(peakSampled, memory(daemon.pid)?.rssMb ?? 0);
      if (probe.unfinished() === 0) break;
      if (Date.now() - started > 3_600_000) throw new Error("the queue did not drain within an hour");
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (Date.now() - started) / 1000;
    const peak = Math.max(peakSampled, memory(daemon.pid)?.peakRssMb ?? 0);
    const cpu = cpuSince(daemon.pid, cpuAtReady);
    await perf.stop();
    const cpuUsPerJob = cpu ? (totalMs(cpu) * 1000) / o.count : undefined;
    probe.close();
    await daemon.stop();
    const after = new StoreProbe(file);
    counts = after.counts();
    after.close();
    const bytes = statSync(file).size;
    const payload = pullRequestDelivery().body.length;
    const lost = o.count - counts.completed;
    const duplicated = counts.duplicateRuns + counts.retried;
    o.say(
      `  drained in ${seconds.toFixed(1)} s: ${(o.count / seconds).toFixed(0)} jobs/s (CPU ${cpuUsPerJob?.toFixed(0)} us per job), peak RSS ${peak.toFixed(0)} MB, lost ${lost}, duplicated ${duplicated}; store ${(bytes / 1024 ** 2).toFixed(1)} MB = ${(bytes / o.count).toFixed(0)} bytes per event`,
    );
    const detail = { jobs: o.count, seconds, counts, max_concurrent_handlers: 8, cpu_us_per_job: cpuUsPerJob };
    return [
      figure({
        id: "4.jobs-per-s",
        figure: 4,
        title: `${o.count.toLocaleString("en")} queued jobs drained by evd daemon (max_concurrent_handlers 8)`,
        unit: "jobs/s",
        values: [o.count / seconds],
        detail,
      }),
      figure({
        id: "4.peak-rss",
        figure: 4,
        title: "Queued jobs: peak RSS of the daemon",
        unit: "MB",
        values: [peak],
        target: { on: "value", op: Comparison.AT_MOST, limit: 250 },
      }),
      figure({
        id: "4.lost",
        figure: 4,
        title: "Queued jobs: lost (not completed)",
        unit: "jobs",
        values: [lost],
        target: { on: "value", op: Comparison.EQUAL, limit: 0 },
      }),
      figure({
        id: "4.duplicated",
        figure: 4,
        title: "Queued jobs: duplicated (run or handed out twice)",
        unit: "jobs",
        values: [duplicated],
        target: { on: "value", op: Comparison.EQUAL, limit: 0 },
      }),
      figure({
        id: "5.bytes-per-event",
        figure: 5,
        title: "Store bytes per event (event, job and history row kept) vs the delivery",
        unit: "bytes",
        values: [bytes / o.count],
        baselineName: "the GitHub delivery's body",
        baselines: [payload],
        target: { on: "ratio", op: Comparison.AT_MOST, limit: 0.3 },
        detail: { store_bytes: bytes, events: counts.events, bytes_by_table: spaceByObject(file) },
      }),
    ];
  } finally {
    probe.close();
    await daemon.stop();
  }
}
