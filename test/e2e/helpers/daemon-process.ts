/**
 * Starts the daemon as a user does (`node local/cli/bin.mjs daemon --config F`), reads where it
 * listens from its banner, and talks to it over HTTP and the admin API. Plus a "gate" HTTP server
 * that handler steps call through tool-http, to hold jobs mid-run and count how many run at once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { waitFor as pollFor } from "../../harness/wait-for.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { adminClient, type AdminClient } from "../../../local/daemon/admin-client.ts";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const binPath = join(repoRoot, "local/cli/bin.mjs");
/** Generous: the suite shares 2 cores with everything else. */
export const START_TIMEOUT_MS = 90_000;

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `evd-e2e-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The tests' one polling helper (test/harness/wait-for.ts); e2e waits default to 60 s. */
export function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  return pollFor(probe, what, { timeoutMs, intervalMs: 100 });
}

export interface DaemonProcess {
  readonly proc: ChildProcess;
  /** http://127.0.0.1:PORT of the webhook server (undefined when none runs). */
  readonly url?: string;
  readonly stateDir: string;
  readonly admin: AdminClient;
  stdout(): string;
  stderr(): string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill9(): Promise<void>;
  readonly exited: Promise<number | null>;
}

export async function startDaemonProcess(
  opts: (
    | { configPath: string }
    /** Another way to name the config: `["--profile", "NAME"]`, `["--bundle", "DIR"]`. */
    | { configArgs: string[] }
  ) & {
    env?: Record<string, string>;
    args?: string[];
    cwd?: string;
  },
): Promise<DaemonProcess> {
  const configArgs = "configArgs" in opts ? opts.configArgs : ["--config", opts.configPath];
  const proc = spawn(process.execPath, [binPath, "daemon", ...configArgs, ...(opts.args ?? [])], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  proc.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(
    () => {
      if (gone) throw new Error(`the daemon exited before it was ready:\n${out}\n${err.slice(-3000)}`);
      return /evd daemon ready[\s\S]*stop with/.test(out);
    },
    "the daemon's banner",
    START_TIMEOUT_MS,
  );
  const url = /listening on (http:\/\/[^\s]+)/.exec(out)?.[1];
  const stateDir = /state: +(\S+)/.exec(out)![1]!;
  return {
    proc,
    url,
    stateDir,
    admin: adminClient(stateDir),
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (!gone) proc.kill("SIGTERM");
      return exited;
    },
    async kill9() {
      if (!gone) proc.kill("SIGKILL");
      await exited;
    },
  };
}

export async function writeConfig(dir: string, name: string, yaml: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, yaml);
  return file;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [binPath, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, NODE_NO_WARNINGS: "1", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    p.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    p.stdin.end(opts.input ?? "");
    p.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
}

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<PostResult> {
  const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** History rows as the admin API returns them. */
export interface HistoryRow {
  event_id: string;
  job_id?: string;
  handler?: string;
  status?: string;
  success: boolean;
  output?: unknown;
  error?: string;
  reason?: string;
}

export function history(d: DaemonProcess, query = "limit=1000"): Promise<HistoryRow[]> {
  return d.admin.call<HistoryRow[]>("GET", `/history?${query}`);
}

/**
 * The gate: handler steps call it (tool-http). It counts requests in flight (and the most ever at
 * once), and while closed it holds requests past the first `allow` ones until `open()`.
 */
export interface Gate {
  readonly url: string;
  readonly host: string;
  inFlight(): number;
  maxInFlight(): number;
  served(): number;
  held(): number;
  bodies(): string[];
  open(): void;
  close(): Promise<void>;
}

/**
 * The config the gate is made for: one signed webhook source (`/hooks/work`) whose handler POSTs the
 * event id to the gate, then (with `append`) appends a line to a file: the side effect a test counts.
 */
export function gatedWorkConfig(
  gate: Gate,
  opts: {
    readonly secret: string;
    readonly append?: { readonly path: string; readonly content: string };
    readonly maxConcurrentHandlers?: number;
    readonly port?: number;
    /** More top-level YAML, as is. */
    readonly extra?: string;
  },
): string {
  const append = opts.append
    ? `
      - tool: tool-filesystem
        action: append
        path: ${JSON.stringify(opts.append.path)}
        content: ${JSON.stringify(opts.append.content)}`
    : "";
  return `
sources:
  - type: webhook
    path: /hooks/work
    secret: ${opts.secret}
    handler: work
handlers:
  work:
    steps:
      - tool: tool-http
        action: request
        method: POST
        url: ${gate.url}
        body: "{event.id}"${append}
tools:
  tool-http:
    allow_hosts: ["${gate.host}"]
    timeout_ms: 120000
${opts.maxConcurrentHandlers !== undefined ? `max_concurrent_handlers: ${opts.maxConcurrentHandlers}\n` : ""}webhook_port: ${opts.port ?? 0}
state_file: state/event-state.json
${opts.extra ?? ""}
`;
}

export async function startGate(opts: { allow?: number; delayMs?: number } = {}): Promise<Gate> {
  let inFlight = 0;
  let max = 0;
  let served = 0;
  let opened = opts.allow === undefined;
  let allowance = opts.allow ?? 0;
  const held: (() => void)[] = [];
  const bodies: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      inFlight++;
      max = Math.max(max, inFlight);
      bodies.push(Buffer.concat(parts).toString("utf8"));
      const finish = () => {
        setTimeout(() => {
          inFlight--;
          served++;
          res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
        }, opts.delayMs ?? 0);
      };
      if (opened || allowance > 0) {
        allowance--;
        finish();
      } else held.push(finish);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const open = (): void => {
    opened = true;
    for (const f of held.splice(0)) f();
  };
  return {
    url: `http://127.0.0.1:${port}/gate`,
    host: `127.0.0.1:${port}`,
    inFlight: () => inFlight,
    maxInFlight: () => max,
    served: () => served,
    held: () => held.length,
    bodies: () => bodies,
    open,
    close() {
      open();
      return new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
