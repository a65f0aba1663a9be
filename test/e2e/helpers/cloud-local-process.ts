/**
 * `evd cloud local` started as a user starts it (`node local/cli/bin.mjs cloud local ...`): waits
 * for its ready banner, reads the HTTP API URL and the AWS endpoint from it, and runs the other
 * `evd` verbs (`cloud history`, `cloud dlq`, `bridge`, ...) pointed at that endpoint.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { tableRef } from "../../../shared/aws/dynamo-document.ts";
import { DynamoHistoryStore } from "../../../shared/aws/dynamo-history-store.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { describeStackOutputs, resourcesFromOutputs } from "../../../shared/aws/stack-outputs.ts";
import { waitFor } from "../../harness/wait-for.ts";
import { binPath, repoRoot, runCli, type CliResult } from "./daemon-process.ts";

/** Generous: the synth, DynamoDB Local and the functions' Init share 2 cores with other suites. */
export const CLOUD_LOCAL_START_MS = 120_000;
export const LOCAL_REGION = "us-east-1";

export interface CloudLocalProcess {
  readonly proc: ChildProcess;
  readonly apiUrl: string;
  readonly endpoint: string;
  /** AWS_ENDPOINT_URL, region and credentials for the other `evd` verbs. */
  readonly awsEnv: Record<string, string>;
  stdout(): string;
  stderr(): string;
  /** Runs `evd ARGS` against this endpoint. */
  evd(args: string[], opts?: { cwd?: string; env?: Record<string, string> }): Promise<CliResult>;
  /** SIGINT, as Ctrl-C; resolves with the exit code. */
  stop(): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export interface StartOptions {
  readonly args: string[];
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

/** Spawns `evd cloud local ARGS` and collects its output (without waiting for it to be ready). */
export function spawnCloudLocal(opts: StartOptions): {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
} {
  const proc = spawn(process.execPath, [binPath, "cloud", "local", ...opts.args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  proc.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return { proc, out: () => out, err: () => err, exited };
}

export async function startCloudLocalProcess(opts: StartOptions): Promise<CloudLocalProcess> {
  const { proc, out, err, exited } = spawnCloudLocal(opts);
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(
    () => {
      if (gone) throw new Error(`evd cloud local exited before it was ready:\n${out()}\n${err().slice(-4000)}`);
      return /evd cloud local ready[\s\S]*stop with Ctrl-C/.test(out());
    },
    "the evd cloud local banner",
    { timeoutMs: CLOUD_LOCAL_START_MS, intervalMs: 100 },
  );
  const apiUrl = /HTTP API [^:]+: (http:\/\/\S+)/.exec(out())?.[1] ?? "";
  const endpoint = /AWS endpoint: (http:\/\/\S+)/.exec(out())![1]!;
  const awsEnv = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: "evdcloudlocal",
    AWS_SECRET_ACCESS_KEY: "evdcloudlocal",
  };
  return {
    proc,
    apiUrl,
    endpoint,
    awsEnv,
    stdout: out,
    stderr: err,
    exited,
    evd: (args, o = {}) => runCli(args, { ...(o.cwd ? { cwd: o.cwd } : {}), env: { ...awsEnv, ...o.env } }),
    async stop() {
      if (!gone) proc.kill("SIGINT");
      return exited;
    },
  };
}

export interface CloudHistoryRow {
  readonly job_id: string;
  readonly handler: string;
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly attempt?: number;
}

/** `evd cloud history --stack NAME` as rows; throws (with the CLI's stderr) when the verb fails. */
export async function cloudHistory(
  local: CloudLocalProcess,
  stack: string,
  extra: string[] = [],
): Promise<CloudHistoryRow[]> {
  const r = await local.evd(["cloud", "history", "--stack", stack, "--limit", "100", ...extra]);
  if (r.code !== 0) throw new Error(`evd cloud history exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as CloudHistoryRow);
}

/**
 * Waits until the stack's history holds a `status` run of `jobId` and returns the job's runs,
 * newest first. Polls DynamoDB from this process (the table the stack's outputs name), as
 * `evd cloud history --stack` reads it, without starting a CLI process per poll.
 */
export async function waitForRun(
  local: CloudLocalProcess,
  stack: string,
  jobId: string,
  status = "succeeded",
  timeoutMs = 60_000,
): Promise<CloudHistoryRow[]> {
  const conn = {
    endpoint: local.endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
  };
  const cfn = new CloudFormationClient(conn);
  const { tableName } = resourcesFromOutputs(await describeStackOutputs(cfn, stack));
  cfn.destroy();
  const history = new DynamoHistoryStore({ table: tableRef(tableName!, conn), clock: systemClock });
  const handler = jobId.slice(jobId.lastIndexOf("#") + 1);
  return waitFor(
    async () => {
      const rows = (await history.list({ handler, limit: 100 })).filter((r) => r.job_id === jobId);
      return rows.some((r) => r.status === status) ? (rows as unknown as CloudHistoryRow[]) : undefined;
    },
    `a ${status} run of ${jobId} in the history of stack ${stack}`,
    { timeoutMs, intervalMs: 150 },
  );
}

export { repoRoot };
