/**
 * The processes under measurement, each started pinned to the target core:
 *   - `bare`: bench/targets/bare-server.mjs (node:http + HMAC check, stores nothing)
 *   - `octokit`: bench/targets/octokit-server.mjs (@octokit/webhooks' Node middleware, no-op handler)
 *   - `daemon`: the real `evd daemon` (local/cli/bin.mjs) on a config written by bench/lib/daemon-config.ts,
 *     logging as shipped (JSON lines on stderr, sent to `<dir>/daemon.log`), worker on.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { onTargetCore, type Cores } from "./cores.ts";
import { BENCH_SECRET, GITHUB_PATH } from "./github-delivery.ts";

export const TargetKind = { BARE: "bare", OCTOKIT: "octokit", DAEMON: "daemon" } as const;
export type TargetKind = (typeof TargetKind)[keyof typeof TargetKind];

export interface Target {
  readonly kind: TargetKind;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly path: string;
  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

const root = fileURLToPath(new URL("../..", import.meta.url));

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once("exit", () => r()));
}

function stopper(child: ChildProcess): (graceMs?: number) => Promise<void> {
  return async (graceMs = 60_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited(child);
    clearTimeout(timer);
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A baseline server: started, and its `{"port"}` line awaited. */
export async function startBaseline(kind: "bare" | "octokit", cores: Cores): Promise<Target> {
  const script = join(root, "bench", "targets", `${kind}-server.mjs`);
  const [cmd, args] = onTargetCore(cores, [script]);
  const child = spawn(cmd, args, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, BENCH_SECRET, BENCH_PATH: GITHUB_PATH },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${kind} server exited (${code}) before it was ready`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return { kind, child, pid: child.pid!, port, path: GITHUB_PATH, stop: stopper(child) };
}

async function waitHealthy(port: number, child: ChildProcess, log: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`evd daemon exited (${child.exitCode}) while starting; see ${log}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`evd daemon did not answer /healthz within ${timeoutMs} ms; see ${log}`);
}

/** The real `evd daemon --config <configPath>`, its stderr (JSON logs) appended to `<dir>/daemon.log`. */
export async function startDaemon(opts: {
  readonly configPath: string;
  readonly port: number;
  readonly dir: string;
  readonly cores: Cores;
  readonly nodeArgs?: readonly string[];
  /** Added to the daemon's environment. */
  readonly env?: Readonly<Record<string, string>>;
}): Promise<Target> {
  const log = join(opts.dir, "daemon.log");
  const fd = openSync(log, "a");
  const bin = join(root, "local", "cli", "bin.mjs");
  const [cmd, args] = onTargetCore(opts.cores, [...(opts.nodeArgs ?? []), bin, "daemon", "--config", opts.configPath]);
  const child = spawn(cmd, args, {
    stdio: ["ignore", "ignore", fd],
    cwd: opts.dir,
    env: { ...process.env, ...opts.env, BENCH_SECRET },
  });
  closeSync(fd);
  await waitHealthy(opts.port, child, log);
  return { kind: TargetKind.DAEMON, child, pid: child.pid!, port: opts.port, path: GITHUB_PATH, stop: stopper(child) };
}
