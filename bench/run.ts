/**
 * `npm run bench`: the seven figures of the performance issue, each against a baseline measured in
 * the same run on the same machine, targets and load generator on different cores, runs alternated.
 *
 *   npm run bench                      full run (about 20-30 min on 2 cores); updates README.md and
 *                                      docs/bench-ack-latency.svg
 *   npm run bench -- --quick           short run (a few minutes), same figures, fewer samples
 *   npm run bench -- --only 1,2,6      some figures (1 and 2 share one run); merged into results.json
 *   npm run bench -- --rounds 5        alternated rounds of figures 1-3
 *
 * Writes bench/results.json (every figure: value, unit, baseline, ratio, target, met/missed,
 * per-run values, details) and prints the table. Environment: BENCH_DIR (folder for the stores,
 * default the OS temp folder), BENCH_TARGET_CPU / BENCH_LOAD_CPU (cores, default 0 / 1),
 * BENCH_CPU_PROF (a folder: the ack-path daemon runs under `node --cpu-prof` and writes there),
 * BENCH_PERF (a folder: `perf record` of each ack-path target during its closed loop, and of the
 * daemon draining the queued jobs).
 * Design and how to read a profile: bench/ARCHITECTURE.md.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ackPathFigures } from "./figures/ack-path.ts";
import { cloudThroughputFigures } from "./figures/cloud-throughput.ts";
import { coldImportFigures } from "./figures/cold-import.ts";
import { handlerStartFigures } from "./figures/handler-start.ts";
import { queuedJobsFigures } from "./figures/queued-jobs.ts";
import { storeRetentionFigures } from "./figures/store-retention.ts";
import { pinCores } from "./lib/cores.ts";
import { writeLatencyChart } from "./lib/latency-chart.ts";
import { consoleTable, markdownTable, updateReadme, writeResults } from "./lib/report.ts";
import { describeMachine, type BenchResults, type FigureResult } from "./lib/results.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
// The bench reads the cloud figure's table with the AWS SDK, as `evd` does (local/cli/bin.mjs):
// without the SDK's notice that its 2027 releases need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const RESULTS = join(root, "bench", "results.json");
const CHART = join(root, "docs", "bench-ack-latency.svg");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes("--quick");
const only = arg("--only")
  ?.split(",")
  .map((s) => Number(s.trim()));
const wants = (n: number) => !only || only.includes(n);
const rounds = Number(arg("--rounds") ?? (quick ? 1 : 3));
const say = (line: string) => console.log(line);

const P = quick
  ? {
      warmup: 300,
      closed: 2_000,
      pacedSeconds: 3,
      startSeconds: 5,
      queued: 10_000,
      retention: 20_000,
      perDay: 2_000,
      samples: 5,
      cloud: 200,
    }
  : {
      warmup: 1_000,
      closed: 10_000,
      pacedSeconds: 10,
      startSeconds: 15,
      queued: 100_000,
      retention: 100_000,
      perDay: 10_000,
      samples: 20,
      cloud: 1_000,
    };

const cores = pinCores(process.env);
const baseDir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), "evd-bench-"));
const machine = describeMachine(
  cores.note,
  baseDir.startsWith("/dev/shm")
    ? "tmpfs (/dev/shm)"
    : process.env.BENCH_DIR
      ? "BENCH_DIR"
      : "the disk (OS temp folder)",
);
const command = `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
say(
  `bench (${quick ? "quick" : "full"}): ${cores.note}; stores under ${baseDir}; load average ${loadavg()[0]!.toFixed(1)}`,
);

const figures: FigureResult[] = [];
let ackLatency: BenchResults["ackLatency"];
try {
  if (wants(1) || wants(2)) {
    say(`\n[1, 2] ack path: evd daemon vs bare node:http vs @octokit/webhooks (${rounds} alternated rounds)`);
    const r = await ackPathFigures({
      cores,
      baseDir,
      rounds,
      warmup: P.warmup,
      closedRequests: P.closed,
      connections: 32,
      pacedRate: 1_000,
      pacedSeconds: P.pacedSeconds,
      say,
      ...(process.env.BENCH_PERF ? { perfDir: process.env.BENCH_PERF } : {}),
      ...(process.env.BENCH_CPU_PROF
        ? {
            daemonNodeArgs: [
              "--cpu-prof",
              "--cpu-prof-interval",
              "250",
              `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`,
            ],
          }
        : {}),
    });
    figures.push(...r.figures);
    ackLatency = r.latency;
  }
  if (wants(3)) {
    say(`\n[3] event to handler start, idle queue (${rounds} rounds)`);
    figures.push(...(await handlerStartFigures({ cores, baseDir, rounds, rate: 20, seconds: P.startSeconds, say })));
  }
  if (wants(4) || wants(5)) {
    say(`\n[4, 5] ${P.queued.toLocaleString("en")} queued jobs drained by evd daemon`);
    figures.push(
      ...(await queuedJobsFigures({
        cores,
        baseDir,
        count: P.queued,
        say,
        ...(process.env.BENCH_PERF ? { perfDir: process.env.BENCH_PERF } : {}),
      })),
    );
  }
  if (wants(5)) {
    say(`\n[5] store size under retention`);
    figures.push(...(await storeRetentionFigures({ baseDir, count: P.retention, perDay: P.perDay, say })));
  }
  if (wants(6)) {
    say(`\n[6] Lambda cold import (${P.samples} alternated samples per bundle)`);
    figures.push(...(await coldImportFigures({ cores, samples: P.samples, say })));
  }
  if (wants(7)) {
    say(`\n[7] cloud path throughput through evd cloud local`);
    figures.push(...(await cloudThroughputFigures({ cores, baseDir, count: P.cloud, concurrency: 16, say })));
  }
} finally {
  await rm(baseDir, { recursive: true, force: true });
}

const measuredAt = new Date().toISOString();
const stamped = figures.map((f) => ({ ...f, measuredAt, mode: quick ? "quick" : "full" }));
let all: FigureResult[] = stamped;
if (only && existsSync(RESULTS)) {
  const previous = JSON.parse(readFileSync(RESULTS, "utf8")) as BenchResults;
  const fresh = new Set(stamped.map((f) => f.id));
  all = [...previous.figures.filter((f) => !fresh.has(f.id)), ...stamped].sort((a, b) => a.figure - b.figure || 0);
  ackLatency ??= previous.ackLatency;
}
const results: BenchResults = {
  generatedAt: measuredAt,
  mode: quick ? "quick" : "full",
  command,
  machine: { ...machine, loadAverage: { ...machine.loadAverage, end: loadavg()[0]! } },
  figures: all,
  ...(ackLatency ? { ackLatency } : {}),
};
writeResults(RESULTS, results);
say(`\n${consoleTable(results)}\n\nwritten: ${RESULTS}`);
if (!quick && ackLatency && all.length > 0) {
  writeLatencyChart(CHART, ackLatency, "Ack-path latency at a paced 1,000 req/s (real GitHub pull_request deliveries)");
  if (updateReadme(join(root, "README.md"), markdownTable(results))) say(`updated: README.md, ${CHART}`);
}
const missed = all.filter((f) => f.met === false && !f.target?.stretch);
if (missed.length) say(`targets missed: ${missed.map((f) => f.id).join(", ")}`);
