/**
 * `npm run bench`: the webhook acknowledgement path of the daemon (its HTTP server + the shared
 * ingest + the embedded store's durable group commit) against a bare node:http server that
 * verifies the same HMAC and stores nothing. Both run in a child process on 127.0.0.1; this
 * process is the load generator (keep-alive agent, fixed request counts, fixed rate).
 *
 * Prints: max throughput of each (closed loop) and their ratio; p50/p99 latency at a fixed rate
 * (open loop: latency counted from the scheduled send time, so queueing shows); and that every 202
 * is durable (the jobs in the store after the daemon process has exited equal the 202s); on Linux,
 * the CPU time each target process spent per request in the closed loop (steadier than req/s on a busy machine).
 *
 * Knobs (environment): BENCH_REQUESTS (closed loop, default 10000), BENCH_CONNECTIONS (32),
 * BENCH_RATE (1000 req/s), BENCH_SECONDS (5), BENCH_DIR (folder for the store, default the OS temp
 * folder; a tmpfs such as /dev/shm shows the ack path without the disk's fsync cost),
 * BENCH_CPU_PROF (a folder: the daemon target runs under `node --cpu-prof` and writes its profile there),
 * BENCH_LOG=1 (the daemon target logs as `evd daemon` does: JSON lines on stderr, two lifecycle lines
 * per accepted event; the bench sends its stderr to `<store dir>/daemon.log`; default: silent).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openLocalStore } from "../local/store/local-store.ts";
import { signHmacSha256 } from "../shared/signatures/sign.ts";
import { BENCH_PATH, BENCH_SECRET, benchConfig } from "./bench-config.ts";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = 1_000;

interface Target {
  child: ChildProcess;
  port: number;
  next: (key: string) => Promise<Record<string, unknown>>;
}

async function startTarget(kind: "daemon" | "bare", dir?: string): Promise<Target> {
  const script = fileURLToPath(new URL("./server.ts", import.meta.url));
  const prof =
    kind === "daemon" && process.env.BENCH_CPU_PROF
      ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [];
  const stderr =
    kind === "daemon" && dir && process.env.BENCH_LOG === "1" ? openSync(join(dir, "daemon.log"), "a") : "inherit";
  const child = spawn(process.execPath, [...prof, "--import", "tsx", script, kind, ...(dir ? [dir] : [])], {
    stdio: ["ignore", "pipe", stderr],
  });
  if (typeof stderr === "number") closeSync(stderr);
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((o: Record<string, unknown>) => void)[] = [];
  const seen: Record<string, unknown>[] = [];
  lines.on("line", (l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    const w = waiting.shift();
    if (w) w(o);
    else seen.push(o);
  });
  const next = (key: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const s = seen.findIndex((o) => key in o);
      if (s >= 0) resolve(seen.splice(s, 1)[0]!);
      else waiting.push(resolve);
    });
  const ready = await next("port");
  return { child, port: ready.port as number, next };
}

let counter = 0;
function signedBody(): { body: string; sig: string } {
  const body = JSON.stringify({ n: counter++, event: "bench", at: Date.now(), pad: "x".repeat(200) });
  return { body, sig: signHmacSha256(BENCH_SECRET, body) };
}

function send(agent: Agent, port: number, req: { body: string; sig: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: BENCH_PATH,
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(req.body),
          "x-signature": req.sig,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    r.on("error", reject);
    r.end(req.body);
  });
}

interface Cpu {
  userMs: number;
  sysMs: number;
}
interface Run {
  statuses: Map<number, number>;
  latencies: number[];
  elapsedMs: number;
  cpu?: Cpu;
}

/** CPU time (user, system; ms) a child process has used so far, all threads; Linux /proc only, else undefined. */
function cpuOf(pid: number | undefined): Cpu | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { userMs: Number(fields[11]) * 10, sysMs: Number(fields[12]) * 10 }; // utime, stime in USER_HZ (100) ticks
  } catch {
    return undefined;
  }
}

function tally(statuses: Map<number, number>, s: number): void {
  statuses.set(s, (statuses.get(s) ?? 0) + 1);
}

async function closedLoop(port: number, total: number, connections: number): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const reqs = Array.from({ length: total }, signedBody);
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  let i = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (i < total) {
        const req = reqs[i++]!;
        const s = performance.now();
        tally(statuses, await send(agent, port, req));
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  agent.destroy();
  return { statuses, latencies, elapsedMs };
}

async function openLoop(port: number, rate: number, seconds: number): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(rate * seconds);
  const reqs = Array.from({ length: total }, signedBody);
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const scheduled = t0 + (sent * 1000) / rate;
      pending.push(
        send(agent, port, reqs[sent]!).then((s) => {
          tally(statuses, s);
          latencies.push(performance.now() - scheduled);
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const elapsedMs = performance.now() - t0;
  agent.destroy();
  return { statuses, latencies, elapsedMs };
}

function pct(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function fmtStatuses(m: Map<number, number>): string {
  return [...m].map(([s, n]) => `${n}x${s}`).join(" ");
}

async function benchTarget(
  kind: "daemon" | "bare",
  dir?: string,
): Promise<{ closed: Run; open: Run; accepted: number; stats?: unknown }> {
  const t = await startTarget(kind, dir);
  await closedLoop(t.port, WARMUP, CONNECTIONS);
  const cpu0 = cpuOf(t.child.pid);
  const closed = await closedLoop(t.port, REQUESTS, CONNECTIONS);
  const cpu1 = cpuOf(t.child.pid);
  if (cpu0 !== undefined && cpu1 !== undefined)
    closed.cpu = { userMs: cpu1.userMs - cpu0.userMs, sysMs: cpu1.sysMs - cpu0.sysMs };
  const open = await openLoop(t.port, RATE, SECONDS);
  t.child.kill("SIGTERM");
  const { stats } = await t.next("stats");
  await new Promise((r) => t.child.once("exit", r));
  const accepted = WARMUP + (closed.statuses.get(202) ?? 0) + (open.statuses.get(202) ?? 0);
  return { closed, open, accepted, stats };
}

const dir = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), "evd-bench-"));
try {
  console.log(
    `bench: webhook ack path on 127.0.0.1, keep-alive; closed loop ${REQUESTS} requests over ${CONNECTIONS} connections; open loop ${RATE} req/s for ${SECONDS} s; store in ${dir}`,
  );
  const bare = await benchTarget("bare");
  const daemon = await benchTarget("daemon", dir);

  const store = openLocalStore({ dir, config: benchConfig() });
  const durable = store.depth();
  await store.close();

  const tput = (r: Run) => (r.latencies.length / r.elapsedMs) * 1000;
  const ratio = tput(daemon.closed) / tput(bare.closed);
  const row = (name: string, r: { closed: Run; open: Run }) =>
    `  ${name.padEnd(7)} max ${tput(r.closed).toFixed(0).padStart(6)} req/s (p50 ${pct(r.closed.latencies, 50).toFixed(2)} ms, p99 ${pct(r.closed.latencies, 99).toFixed(2)} ms)` +
    ` | at ${RATE} req/s: p50 ${pct(r.open.latencies, 50).toFixed(2)} ms, p99 ${pct(r.open.latencies, 99).toFixed(2)} ms, achieved ${tput(r.open).toFixed(0)} req/s  [${fmtStatuses(r.closed.statuses)}; ${fmtStatuses(r.open.statuses)}]`;
  console.log(row("bare", bare));
  console.log(row("daemon", daemon));
  const us = (ms: number, r: Run) => (ms * 1000) / r.latencies.length;
  const cpuPer = (r: Run) =>
    r.cpu === undefined
      ? "n/a"
      : `${us(r.cpu.userMs + r.cpu.sysMs, r).toFixed(0)} us (user ${us(r.cpu.userMs, r).toFixed(0)}, sys ${us(r.cpu.sysMs, r).toFixed(0)})`;
  console.log(
    `  CPU per request (closed loop, target process, all threads): bare ${cpuPer(bare.closed)}, daemon ${cpuPer(daemon.closed)}`,
  );
  console.log(`  throughput ratio daemon/bare: ${ratio.toFixed(2)} (target >= 0.50)`);
  console.log(`  daemon p99 at ${RATE} req/s: ${pct(daemon.open.latencies, 99).toFixed(2)} ms (target < 20 ms)`);
  console.log(
    `  durable: ${daemon.accepted} answered 202, ${durable} jobs in the store after the daemon process exited${durable === daemon.accepted ? " (all)" : " (MISMATCH)"}`,
  );
  console.log(`  group commit: ${JSON.stringify(daemon.stats)}`);
  if (durable !== daemon.accepted) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
