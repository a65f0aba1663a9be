/**
 * Figure 7: the cloud path on the emulator harness the integration suite uses (DynamoDB Local, the
 * SQS emulator, an in-repo Secrets Manager): `count` signed GitHub pull_request deliveries through
 * the ingest Lambda handler (API Gateway v2 events, `ingestConcurrency` in flight), while
 * `runners` runner "containers" poll the queue as the event source mapping would. jobs/s from the
 * first delivery to the last job completed; duplicates = jobs run more than once (attempts > 1 or
 * more than one history row), lost = jobs not COMPLETED, both read from DynamoDB afterwards.
 */
import { createHmac } from "node:crypto";
import { startAwsTestEnv } from "../../test/harness/aws-env.ts";
import { startSecretsServer } from "../../test/harness/json-rpc-server.ts";
import { apiGatewayV2Event } from "../../test/harness/lambda-events.ts";
import { cloudFixture, secretIdOf, WEBHOOK_SECRET } from "../../test/integration/suites/cloud-fixture.ts";
import { deliveryId, GITHUB_PATH, pullRequestDelivery } from "../lib/github-delivery.ts";
import { Comparison, figure, type FigureResult } from "../lib/results.ts";

export interface CloudThroughputOptions {
  readonly count: number;
  readonly ingestConcurrency: number;
  readonly runners: number;
  readonly say: (line: string) => void;
}

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
};

export async function cloudThroughputFigures(o: CloudThroughputOptions): Promise<FigureResult[]> {
  const env = await startAwsTestEnv(process.env);
  const secrets = await startSecretsServer({
    secrets: { [secretIdOf(CONFIG, "GITHUB_WEBHOOK_SECRET")]: WEBHOOK_SECRET },
  });
  try {
    const cloud = await cloudFixture(env, { config: CONFIG, secretsEndpoint: secrets.endpoint, maxReceiveCount: 5 });
    const { body, headers } = pullRequestDelivery();
    const signature = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;

    /** `n` deliveries through the ingest handler while the runners drain the queue. */
    const pushThrough = async (n: number) => {
      const jobIds: string[] = [];
      const refused: number[] = [];
      let ingested = 0;
      let received = 0;
      const t0 = performance.now();
      const ingestOne = async (): Promise<void> => {
        while (ingested < n) {
          ingested++;
          const event = apiGatewayV2Event({
            path: GITHUB_PATH,
            headers: { ...headers, "x-hub-signature-256": signature, "x-github-delivery": deliveryId() },
            body,
            base64: true,
          });
          const res = await cloud.ingest(event);
          if (res.statusCode !== 202) refused.push(res.statusCode ?? 0);
          else jobIds.push(...((JSON.parse(res.body ?? "{}") as { jobs?: string[] }).jobs ?? []));
        }
      };
      let ingestDone = false;
      const ingesting = Promise.all(Array.from({ length: o.ingestConcurrency }, ingestOne)).then(() => {
        ingestDone = true;
        return performance.now() - t0;
      });
      const runOne = async (): Promise<void> => {
        const runner = cloud.runner();
        let idle = 0;
        while (idle < 3) {
          const p = await cloud.poll(runner);
          received += p.received;
          if (p.received > 0) idle = 0;
          else if (ingestDone && (await cloud.depth()) === 0) idle++;
          else await new Promise((r) => setTimeout(r, 50));
        }
      };
      await Promise.all(Array.from({ length: o.runners }, runOne));
      const ingestMs = await ingesting;
      return { jobIds, refused, received, ingestMs, totalMs: performance.now() - t0 };
    };

    // DynamoDB Local is a JVM: its first requests run interpreted. Warm it up, unmeasured.
    const warm = await pushThrough(Math.min(100, Math.ceil(o.count / 10)));
    const { jobIds, refused, received, ingestMs, totalMs } = await pushThrough(o.count);
    let completed = 0;
    let retried = 0;
    for (const id of jobIds) {
      const rec = await cloud.jobs.get(id);
      if (rec?.state === "COMPLETED") completed++;
      if ((rec?.attempts ?? 0) > 1) retried++;
    }
    const measured = new Set(jobIds);
    const history = (await cloud.history.list({ limit: (o.count + warm.jobIds.length) * 3 })).filter((r) =>
      measured.has(r.job_id ?? ""),
    );
    const runsPerJob = new Map<string, number>();
    for (const r of history) runsPerJob.set(r.job_id ?? "", (runsPerJob.get(r.job_id ?? "") ?? 0) + 1);
    const duplicateRuns = [...runsPerJob.values()].reduce((n, k) => n + Math.max(0, k - 1), 0);
    const duplicates = Math.max(retried, duplicateRuns);
    const lost = o.count - completed;
    const jobsPerSec = (completed / totalMs) * 1000;
    o.say(
      `  ${o.count} deliveries: ingest ${((o.count / ingestMs) * 1000).toFixed(0)}/s (${o.ingestConcurrency} in flight), ${completed} jobs completed in ${(totalMs / 1000).toFixed(1)} s by ${o.runners} runners = ${jobsPerSec.toFixed(0)} jobs/s; ${received} messages received; duplicates ${duplicates}, lost ${lost}${refused.length ? `, ${refused.length} refused` : ""}`,
    );
    const detail = {
      deliveries: o.count,
      warm_up_deliveries: warm.jobIds.length,
      ingest_per_s: (o.count / ingestMs) * 1000,
      ingest_concurrency: o.ingestConcurrency,
      runners: o.runners,
      messages_received: received,
      history_rows: history.length,
      refused,
      emulators: "DynamoDB Local (java), local-aws-sqs, in-repo Secrets Manager",
    };
    return [
      figure({
        id: "7.jobs-per-s",
        figure: 7,
        title: `Cloud path on the emulator harness: ${o.count.toLocaleString("en")} jobs through ingest, SQS and the runner`,
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
    await secrets.stop();
    await env.stop();
  }
}
