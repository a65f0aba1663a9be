/**
 * Figure 3: from a delivery's send to its handler's start, on an idle queue. The daemon loads
 * bench/targets/handler-start-hook.mjs, which reports each `event:handler:start` with a
 * sub-millisecond timestamp over UDP; deliveries are paced slowly (the queue stays idle) and
 * each latency counts from the delivery's scheduled send time.
 */
import { createSocket } from "node:dgram";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Cores } from "../lib/cores.ts";
import { writeDaemonConfig } from "../lib/daemon-config.ts";
import { pullRequestDelivery } from "../lib/github-delivery.ts";
import { pacedLoad } from "../lib/paced-load.ts";
import { Comparison, figure, type FigureResult } from "../lib/results.ts";
import { latencyProfile, percentile } from "../lib/stats.ts";
import { freePort, startDaemon } from "../lib/targets.ts";

export interface HandlerStartOptions {
  readonly cores: Cores;
  readonly baseDir: string;
  readonly rounds: number;
  readonly rate: number;
  readonly seconds: number;
  readonly say: (line: string) => void;
}

const HOOK = fileURLToPath(new URL("../targets/handler-start-hook.mjs", import.meta.url));

async function oneRound(o: HandlerStartOptions): Promise<{ latencies: number[]; missing: number; ackP50: number }> {
  const socket = createSocket("udp4");
  const started = new Map<string, number>();
  socket.on("message", (m) => {
    const [id, at] = m.toString().split(" ");
    if (id && at && !started.has(id)) started.set(id, Number(at));
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  const hookPort = socket.address().port;
  const dir = await mkdtemp(join(o.baseDir, "start-"));
  const port = await freePort();
  const configPath = writeDaemonConfig(dir, { port, hooks: [HOOK] });
  const daemon = await startDaemon({
    configPath,
    port,
    dir,
    cores: o.cores,
    env: { BENCH_HOOK_PORT: String(hookPort) },
  });
  try {
    const sent = new Map<string, number>();
    const paced = await pacedLoad({
      port,
      path: daemon.path,
      delivery: pullRequestDelivery(),
      rate: o.rate,
      seconds: o.seconds,
      onSend: (id, at) => sent.set(id, at),
    });
    const deadline = Date.now() + 30_000;
    while (started.size < sent.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const latencies = [...sent].flatMap(([id, at]) => {
      const s = started.get(id);
      return s === undefined ? [] : [s - at];
    });
    return { latencies, missing: sent.size - latencies.length, ackP50: percentile(paced.latenciesMs, 50) };
  } finally {
    await daemon.stop();
    socket.close();
  }
}

export async function handlerStartFigures(o: HandlerStartOptions): Promise<FigureResult[]> {
  const rounds = [];
  for (let i = 0; i < o.rounds; i++) {
    const r = await oneRound(o);
    const l = latencyProfile(r.latencies);
    o.say(
      `  round ${i + 1}: ${r.latencies.length} handler starts at ${o.rate}/s: p50 ${l.p50!.toFixed(2)} ms, p99 ${l.p99!.toFixed(2)} ms, max ${l.max!.toFixed(1)} ms (202 p50 ${r.ackP50.toFixed(2)} ms)${r.missing ? `, ${r.missing} never started` : ""}`,
    );
    rounds.push(r);
  }
  const detail = {
    deliveries_per_round: rounds.map((r) => r.latencies.length + r.missing),
    never_started: rounds.reduce((n, r) => n + r.missing, 0),
    ack_p50_ms: rounds.map((r) => r.ackP50),
    rate_per_s: o.rate,
  };
  return [
    figure({
      id: "3.p50",
      figure: 3,
      title: "Event to handler start, idle queue: p50",
      unit: "ms",
      values: rounds.map((r) => percentile(r.latencies, 50)),
      target: { on: "value", op: Comparison.BELOW, limit: 5 },
      detail,
    }),
    figure({
      id: "3.p99",
      figure: 3,
      title: "Event to handler start, idle queue: p99",
      unit: "ms",
      values: rounds.map((r) => percentile(r.latencies, 99)),
      target: { on: "value", op: Comparison.BELOW, limit: 50 },
    }),
  ];
}
