/**
 * Figure 7: the cloud path through `evd cloud local` as a user starts it: the config synthesized by
 * the project's CDK app, the stack's own Lambda bundles from cdk.out, its HTTP API, queue, table
 * and secrets on the local emulators, the queue polled as the event source mapping would (batch
 * size and concurrency from the template). `count` signed GitHub pull_request deliveries are
 * POSTed to the API (`concurrency` in flight) after an unmeasured warm-up; jobs/s from the first
 * delivery to the queue empty; then every job's record and history read from the table:
 * duplicates = jobs handed out more than once or with more than one run, lost = not COMPLETED.
 * The `evd cloud local` process (and the DynamoDB Local it starts) runs on the target core.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { tableRef } from "../../shared/aws/dynamo-document.ts";
import { DynamoHistoryStore } from "../../shared/aws/dynamo-history-store.ts";
import { DynamoJobStore } from "../../shared/aws/dynamo-job-store.ts";
import { describeStackOutputs, resourcesFromOutputs } from "../../shared/aws/stack-outputs.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { onTargetCore, type Cores } from "../lib/cores.ts";
import { deliveryId, GITHUB_PATH, pullRequestDelivery } from "../lib/github-delivery.ts";
import { cpuSince, cpuTime, totalMs } from "../lib/proc-stats.ts";
import { Comparison, figure, type FigureResult } from "../lib/results.ts";

export interface CloudThroughputOptions {
  readonly cores: Cores;
  readonly baseDir: string;
  readonly count: number;
  readonly concurrency: number;
  readonly say: (line: string) => void;
}

const STACK = "EvdBench";
const SECRET = "bench-cloud-secret";
const root = fileURLToPath(new URL("../..", import.meta.url));
const CONFIG = {
  max_body_bytes: 1_000_000,
  default_provider: "echo",
  sources: [
    {
      type: "git_pr",
      handler: "noop",
      path: GITHUB_PATH,
      secret: "${GITHUB_WEBHOOK_SECRET}",
      events: ["opened", "synchronize"],
    },
  ],
  handlers: { noop: { prompt: "Pull request #{payload.number} of {repo}" } },
  // 1,100 deliveries in well under a minute: above the storm breaker's default (300 a minute), which
  // still counts each one in DynamoDB (its cost stays in the figure) without tripping.
  guardrails: { storm: { max_events: 100_000_000 } },
  cloud: { stack_name: STACK },
};

interface CloudLocal {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  readonly endpoint: string;
  stop(): Promise<void>;
}

async function startCloudLocal(o: CloudThroughputOptions, dir: string): Promise<CloudLocal> {
  const configPath = join(dir, "evd-cloud.json");
  writeFileSync(configPath, `${JSON.stringify(CONFIG, null, 2)}\n`);
  const [cmd, args] = onTargetCore(o.cores, [
    join(root, "local", "cli", "bin.mjs"),
    "cloud",
    "local",
    "-c",
    `config=${configPath}`,
    "-o",
    join(dir, "cdk.out"),
    "--port",
    "0",
    "--api-port",
    "0",
    "--secret",
    `GITHUB_WEBHOOK_SECRET=${SECRET}`,
    "-q",
  ]);
  const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  const deadline = Date.now() + 300_000;
  while (!/evd cloud local ready[\s\S]*stop with Ctrl-C/.test(out)) {
    if (child.exitCode !== null)
      throw new Error(`evd cloud local exited (${child.exitCode}):\n${out}\n${err.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`evd cloud local was not ready within 300 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const apiUrl = /HTTP API [^:]+: (http:\/\/\S+)/.exec(out)?.[1];
  const endpoint = /AWS endpoint: (http:\/\/\S+)/.exec(out)?.[1];
  if (!apiUrl || !endpoint) throw new Error(`no API URL or AWS endpoint in the banner:\n${out}`);
  return {
    child,
    apiUrl,
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGINT");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

export async function cloudThroughputFigures(o: CloudThroughputOptions): Promise<FigureResult[]> {
  const dir = await mkdtemp(join(o.baseDir, "cloud-"));
  const t0 = Date.now();
  const local = await startCloudLocal(o, dir);
  o.say(`  evd cloud local ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (synth included)`);
  const conn = {
    endpoint: local.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "evdcloudlocal", secretAccessKey: "evdcloudlocal" },
  };
  const cfn = new CloudFormationClient(conn);
  const sqs = new SQSClient(conn);
  try {
    const { tableName, queueUrl } = resourcesFromOutputs(await describeStackOutputs(cfn, STACK));
    if (!tableName || !queueUrl) throw new Error(`stack ${STACK}: no table or queue in its outputs`);
    const table = tableRef(tableName, conn);
    const { body, headers } = pullRequestDelivery();
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    const url = `${local.apiUrl.replace(/\/$/, "")}${GITHUB_PATH}`;

    const depth = async () => {
      const a =
        (
          await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrl,
              AttributeNames: [
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
              ],
            }),
          )
        ).Attributes ?? {};
      return (
        Number(a.ApproximateNumberOfMessages ?? 0) +
        Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
      );
    };
    /** `n` deliveries POSTed to the API, then the queue drained by the stack's runner. */
    const pushThrough = async (n: number) => {
      const jobIds: string[] = [];
      const refused: number[] = [];
      let sent = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          while (sent < n) {
            sent++;
            const res = await fetch(url, {
              method: "POST",
              headers: { ...headers, "x-hub-signature-256": signature, "x-github-delivery": deliveryId() },
              body: new Uint8Array(body),
            });
            const text = await res.text();
            if (res.status !== 202) refused.push(res.status);
            else jobIds.push(...((JSON.parse(text) as { jobs?: string[] }).jobs ?? []));
          }
        }),
      );
      const ingestMs = performance.now() - start;
      for (let empty = 0; empty < 3;) {
        empty = (await depth()) === 0 ? empty + 1 : 0;
        await new Promise((r) => setTimeout(r, 200));
      }
      return { jobIds, refused, ingestMs, totalMs: performance.now() - start };
    };

    await pushThrough(Math.min(100, Math.ceil(o.count / 10)));
    const cpu0 = cpuTime(local.child.pid);
    const { jobIds, refused, ingestMs, totalMs: wallMs } = await pushThrough(o.count);
    const cpu = cpuSince(local.child.pid, cpu0);
    const jobs = new DynamoJobStore({ table });
    let completed = 0;
    let retried = 0;
    for (const id of jobIds) {
      const rec = await jobs.get(id);
      if (rec?.state === "COMPLETED") completed++;
      if ((rec?.attempts ?? 0) > 1) retried++;
    }
    const measured = new Set(jobIds);
    const history = (
      await new DynamoHistoryStore({ table, clock: systemClock }).list({ limit: (o.count + 100) * 3 })
    ).filter((r) => measured.has(r.job_id ?? ""));
    const runsPerJob = new Map<string, number>();
    for (const r of history) runsPerJob.set(r.job_id ?? "", (runsPerJob.get(r.job_id ?? "") ?? 0) + 1);
    const duplicateRuns = [...runsPerJob.values()].reduce((n, k) => n + Math.max(0, k - 1), 0);
    const duplicates = Math.max(retried, duplicateRuns);
    const lost = o.count - completed;
    const jobsPerSec = (completed / wallMs) * 1000;
    const cpuUsPerJob = cpu ? (totalMs(cpu) * 1000) / o.count : undefined;
    o.say(
      `  ${o.count} deliveries through the HTTP API: ingest ${((o.count / ingestMs) * 1000).toFixed(0)}/s (${o.concurrency} in flight), ${completed} jobs completed in ${(wallMs / 1000).toFixed(1)} s = ${jobsPerSec.toFixed(0)} jobs/s (evd cloud local CPU ${cpuUsPerJob?.toFixed(0)} us per job, functions and emulators); duplicates ${duplicates}, lost ${lost}${refused.length ? `, ${refused.length} refused (${[...new Set(refused)].join(", ")})` : ""}`,
    );
    const detail = {
      deliveries: o.count,
      ingest_per_s: (o.count / ingestMs) * 1000,
      concurrency: o.concurrency,
      history_rows: history.length,
      refused: refused.length,
      cloud_local_cpu_us_per_job: cpuUsPerJob,
      path: "evd cloud local: the synthesized stack's Lambda bundles, HTTP API, SQS event source (batch 5, concurrency 4), DynamoDB Local, SQS and Secrets Manager emulators",
    };
    return [
      figure({
        id: "7.jobs-per-s",
        figure: 7,
        title: `Cloud path through evd cloud local: ${o.count.toLocaleString("en")} jobs through the HTTP API, SQS and the runner`,
        unit: "jobs/s",
        values: [jobsPerSec],
        detail,
      }),
      figure({
        id: "7.duplicates",
        figure: 7,
        title: "Cloud path: jobs run more than once",
        unit: "jobs",
        values: [duplicates],
        target: { on: "value", op: Comparison.EQUAL, limit: 0 },
      }),
      figure({
        id: "7.lost",
        figure: 7,
        title: "Cloud path: jobs not completed",
        unit: "jobs",
        values: [lost],
        target: { on: "value", op: Comparison.EQUAL, limit: 0 },
      }),
    ];
  } finally {
    cfn.destroy();
    sqs.destroy();
    await local.stop();
  }
}
