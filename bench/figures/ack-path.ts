/**
 * Figures 1 and 2: the webhook acknowledgement path of the real `evd daemon` (logs and worker on,
 * the no-op handler) against the two baselines, each on the target core, in alternated rounds.
 *
 * Per target and round: a warm-up, then a closed loop with autocannon (max rate, CPU time of the
 * target process per request from /proc), then a paced open loop at `pacedRate` (latency from the
 * scheduled send time). For the daemon, the CPU is also read once every job of the closed loop has
 * run (figure 2: ack + job run + history per event), and after it stopped, every 202 must be an
 * event in its store.
 *
 * Throughput "on one core" is 1 / CPU time per request: the load generator (one core) cannot
 * saturate the baselines, so their measured req/s would understate them (req/s is kept in detail).
 */
import { statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { closedLoop } from "../lib/closed-loop.ts";
import type { Cores } from "../lib/cores.ts";
import { writeDaemonConfig } from "../lib/daemon-config.ts";
import { pullRequestDelivery } from "../lib/github-delivery.ts";
import { pacedLoad, type PacedResult } from "../lib/paced-load.ts";
import { perfRecord, PERF_NODE_ARGS } from "../lib/perf-record.ts";
import { cpuSince, cpuTime, totalMs } from "../lib/proc-stats.ts";
import { Comparison, figure, type FigureResult } from "../lib/results.ts";
import { latencyProfile, median, LATENCY_PERCENTILES } from "../lib/stats.ts";
import { StoreProbe } from "../lib/store-probe.ts";
import { freePort, startBaseline, startDaemon, TargetKind, type Target } from "../lib/targets.ts";

export interface AckPathOptions {
  readonly cores: Cores;
  readonly baseDir: string;
  readonly rounds: number;
  readonly warmup: number;
  readonly closedRequests: number;
  readonly connections: number;
  readonly pacedRate: number;
  readonly pacedSeconds: number;
  readonly say: (line: string) => void;
  /** Extra node flags for the daemon (e.g. --cpu-prof). */
  readonly daemonNodeArgs?: readonly string[];
  /** A folder: `perf record` each target during its closed loop (see lib/perf-record.ts). */
  readonly perfDir?: string;
}

interface TargetRun {
  readonly kind: TargetKind;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerRequest: number;
  readonly userUsPerRequest: number;
  readonly sysUsPerRequest: number;
  readonly paced: PacedResult;
  /** Daemon only: CPU per event once its jobs ran, and durability. */
  readonly wholeEventUs?: number;
  readonly durable?: { readonly answered202: number; readonly inStore: number };
  readonly logBytes?: number;
}

const ORDER: readonly TargetKind[] = [TargetKind.BARE, TargetKind.OCTOKIT, TargetKind.DAEMON];

async function start(kind: TargetKind, o: AckPathOptions): Promise<{ target: Target; dir?: string }> {
  if (kind !== TargetKind.DAEMON) return { target: await startBaseline(kind, o.cores) };
  const dir = await mkdtemp(join(o.baseDir, "ack-"));
  const port = await freePort();
  const configPath = writeDaemonConfig(dir, { port });
  const nodeArgs = [...(o.daemonNodeArgs ?? []), ...(o.perfDir ? PERF_NODE_ARGS : [])];
  return { target: await startDaemon({ configPath, port, dir, cores: o.cores, nodeArgs }), dir };
}

async function measure(kind: TargetKind, o: AckPathOptions): Promise<TargetRun> {
  const delivery = pullRequestDelivery();
  const { target, dir } = await start(kind, o);
  const probe = dir ? new StoreProbe(join(dir, "state", "evd.db")) : undefined;
  try {
    const load = { port: target.port, path: target.path, delivery, connections: o.connections };
    await closedLoop({ ...load, amount: o.warmup });
    await probe?.drained(120_000);
    const perf = await perfRecord(target.pid, o.perfDir, `${kind}-${Date.now()}`);
    const before = cpuTime(target.pid);
    const closed = await closedLoop({ ...load, amount: o.closedRequests });
    const cpu = cpuSince(target.pid, before);
    await perf.stop();
    if (!cpu) throw new Error("no CPU time from /proc: the bench measures on Linux");
    let wholeEventUs: number | undefined;
    if (probe) {
      await probe.drained(300_000);
      wholeEventUs = (totalMs(cpuSince(target.pid, before)!) * 1000) / (closed.requests - closed.non2xx);
    }
    const paced = await pacedLoad({ ...load, rate: o.pacedRate, seconds: o.pacedSeconds });
    await probe?.drained(120_000);
    const per = (ms: number) => (ms * 1000) / closed.requests;
    const run: TargetRun = {
      kind,
      reqPerSec: closed.reqPerSec,
      p50Ms: closed.p50Ms,
      p99Ms: closed.p99Ms,
      cpuUsPerRequest: per(totalMs(cpu)),
      userUsPerRequest: per(cpu.userMs),
      sysUsPerRequest: per(cpu.sysMs),
      paced,
      ...(wholeEventUs !== undefined ? { wholeEventUs } : {}),
    };
    if (closed.errors > 0 || closed.non2xx > 0)
      o.say(`  ${kind}: ${closed.non2xx} non-2xx answers and ${closed.errors} errors in the closed loop`);
    // Refusals are cheap: a figure made of them would flatter the target (a storm breaker or a full
    // queue answering 429 is not the ack path this figure measures).
    if (closed.non2xx + closed.errors > closed.requests / 100)
      throw new Error(
        `${kind} refused or failed ${closed.non2xx + closed.errors} of ${closed.requests} requests in the closed loop: the figure would measure refusals (check its config: queue_capacity, guardrails.storm)`,
      );
    if (!probe) return run;
    const answered202 = o.warmup + closed.requests - closed.non2xx + (paced.statuses.get(202) ?? 0);
    probe.close();
    await target.stop();
    const after = new StoreProbe(join(dir!, "state", "evd.db"));
    const inStore = after.counts().events;
    after.close();
    return { ...run, durable: { answered202, inStore }, logBytes: statSync(join(dir!, "daemon.log")).size };
  } finally {
    probe?.close();
    await target.stop();
  }
}

function pacedLine(r: TargetRun, rate: number): string {
  const l = latencyProfile(r.paced.latenciesMs);
  const statuses = [...r.paced.statuses].map(([s, n]) => `${n}x${s}`).join(" ");
  return `paced ${rate}/s: achieved ${r.paced.achievedPerSec.toFixed(0)}/s, p50 ${l.p50!.toFixed(1)} ms, p99 ${l.p99!.toFixed(1)} ms [${statuses}]`;
}

export async function ackPathFigures(
  o: AckPathOptions,
): Promise<{ figures: FigureResult[]; latency: Record<string, Record<string, number>> }> {
  const runs: TargetRun[][] = [];
  for (let round = 0; round < o.rounds; round++) {
    const order = ORDER.map((_, i) => ORDER[(i + round) % ORDER.length]!);
    const byKind: TargetRun[] = [];
    for (const kind of order) {
      const r = await measure(kind, o);
      byKind.push(r);
      o.say(
        `  round ${round + 1} ${kind.padEnd(7)} ${r.reqPerSec.toFixed(0).padStart(5)} req/s, CPU ${r.cpuUsPerRequest.toFixed(0)} us/req (user ${r.userUsPerRequest.toFixed(0)}, sys ${r.sysUsPerRequest.toFixed(0)})` +
          `${r.wholeEventUs !== undefined ? `, whole event ${r.wholeEventUs.toFixed(0)} us` : ""}; ${pacedLine(r, o.pacedRate)}` +
          `${r.durable ? `; durable ${r.durable.inStore}/${r.durable.answered202}` : ""}`,
      );
    }
    runs.push(byKind);
  }
  const of = (kind: TargetKind) => runs.map((rs) => rs.find((r) => r.kind === kind)!);
  const bare = of(TargetKind.BARE);
  const octokit = of(TargetKind.OCTOKIT);
  const daemon = of(TargetKind.DAEMON);
  const capacity = (r: TargetRun) => 1e6 / r.cpuUsPerRequest;
  const p99 = (r: TargetRun) => latencyProfile(r.paced.latenciesMs).p99!;
  const cpuDetail = (rs: TargetRun[]) => ({
    cpu_us_per_request: rs.map((r) => Math.round(r.cpuUsPerRequest)),
    user_us: rs.map((r) => Math.round(r.userUsPerRequest)),
    sys_us: rs.map((r) => Math.round(r.sysUsPerRequest)),
    measured_req_per_s: rs.map((r) => Math.round(r.reqPerSec)),
    closed_loop_p50_ms: rs.map((r) => r.p50Ms),
    closed_loop_p99_ms: rs.map((r) => r.p99Ms),
  });
  const lost = daemon.reduce((n, r) => n + Math.max(0, (r.durable?.answered202 ?? 0) - (r.durable?.inStore ?? 0)), 0);
  const figures: FigureResult[] = [
    figure({
      id: "1.throughput",
      figure: 1,
      title: "Ack path: throughput on one core, evd daemon vs bare HMAC server",
      unit: "req/s",
      values: daemon.map(capacity),
      baselineName: "bare node:http + HMAC",
      baselines: bare.map(capacity),
      target: { on: "ratio", op: Comparison.AT_LEAST, limit: 0.5 },
      detail: {
        daemon: cpuDetail(daemon),
        bare: cpuDetail(bare),
        acknowledged_not_in_store: lost,
        daemon_log_bytes_per_request: daemon.map((r) =>
          Math.round((r.logBytes ?? 0) / Math.max(1, r.durable?.answered202 ?? 1)),
        ),
      },
    }),
    figure({
      id: "1.octokit",
      figure: 1,
      title: "Ack path: throughput on one core, evd daemon vs @octokit/webhooks middleware (stretch)",
      unit: "req/s",
      values: daemon.map(capacity),
      baselineName: "@octokit/webhooks middleware, no-op handler",
      baselines: octokit.map(capacity),
      target: { on: "ratio", op: Comparison.AT_LEAST, limit: 1.0, stretch: true },
      detail: { octokit: cpuDetail(octokit) },
    }),
    figure({
      id: "1.p99",
      figure: 1,
      title: `Ack path: p99 latency at a paced ${o.pacedRate} req/s`,
      unit: "ms",
      values: daemon.map(p99),
      baselineName: "bare node:http + HMAC",
      baselines: bare.map(p99),
      target: { on: "value", op: Comparison.BELOW, limit: 20 },
      detail: {
        achieved_per_s: daemon.map((r) => Math.round(r.paced.achievedPerSec)),
        statuses: daemon.map((r) => Object.fromEntries(r.paced.statuses)),
        octokit_p99_ms: median(octokit.map(p99)),
      },
    }),
    figure({
      id: "2.whole-event",
      figure: 2,
      title: "Whole event (ack + no-op job run + history): CPU per event",
      unit: "us",
      values: daemon.map((r) => r.wholeEventUs!),
      baselineName: "bare node:http + HMAC, CPU per request",
      baselines: bare.map((r) => r.cpuUsPerRequest),
      target: { on: "ratio", op: Comparison.AT_MOST, limit: 3 },
    }),
  ];
  const latency: Record<string, Record<string, number>> = {};
  for (const [name, rs] of [
    ["evd daemon", daemon],
    ["bare node:http", bare],
    ["@octokit/webhooks", octokit],
  ] as const) {
    const profiles = rs.map((r) => latencyProfile(r.paced.latenciesMs));
    latency[name] = Object.fromEntries(
      [...LATENCY_PERCENTILES.map((p) => `p${p}`), "max"].map((k) => [k, median(profiles.map((p) => p[k]!))]),
    );
  }
  return { figures, latency };
}
