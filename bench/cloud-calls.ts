/**
 * `node --import tsx bench/cloud-calls.ts`: what one GitHub delivery costs the cloud path in AWS requests, measured
 * rather than guessed. Real `pull_request` deliveries from @octokit/webhooks-examples (about 22 KB
 * each, the handler of examples/pr-review.yaml's shape: a concurrency key with supersede) go
 * through the ingest Lambda and the runner Lambda (echo provider) against the integration
 * emulators; the recording proxies count every call per component, and the final items give the
 * write units DynamoDB bills (1 KB units, the larger of the item before and after; index writes
 * billed by the projected size). Prints per delivery: calls by component and operation, DynamoDB
 * write and read units, SQS billed requests (64 KB chunks), log bytes, and the sizes involved.
 * docs/capacity.md builds its cost model from these numbers.
 *
 * Knobs (environment): BENCH_DELIVERIES (default 20).
 */
import { ScanCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { githubExamples, signedGithubDelivery } from "../test/fixtures/github.ts";
import { awsCalls, type AwsCall } from "../test/harness/aws-call.ts";
import { awsTestEnv } from "../test/harness/aws-env.ts";
import { connection } from "../test/harness/aws-resources.ts";
import { itemSize } from "../test/harness/aws-limits.ts";
import { startSecretsServer } from "../test/harness/json-rpc-server.ts";
import { apiGatewayV2Event } from "../test/harness/lambda-events.ts";
import { cloudFixture, secretIdOf, WEBHOOK_SECRET } from "../test/integration/suites/cloud-fixture.ts";
import { drain } from "../test/integration/suites/delivery-flow.ts";

const CONFIG = {
  default_provider: "echo",
  sources: [{ type: "git_pr", handler: "review", path: "/github", secret: "${GITHUB_WEBHOOK_SECRET}" }],
  handlers: {
    review: {
      prompt: "Review pull request #{payload.number} of {repo}: {payload.pull_request.title}",
      concurrency: { key: "{payload.number}", on_new: "supersede" },
    },
  },
};

const count = Number(process.env.BENCH_DELIVERIES ?? "20");
const env = await awsTestEnv();
const secrets = await startSecretsServer({
  secrets: { [secretIdOf(CONFIG, "GITHUB_WEBHOOK_SECRET")]: WEBHOOK_SECRET },
});
try {
  const cloud = await cloudFixture(env, { config: CONFIG, secretsEndpoint: secrets.endpoint });
  const examples = githubExamples("pull_request", "opened");
  const before = awsCalls.all().length;
  const logsBefore = cloud.logs.join("\n").length;
  let bodyBytes = 0;
  for (let i = 0; i < count; i++) {
    const payload = { ...examples[i % examples.length]!, number: 1000 + i };
    const d = signedGithubDelivery({ event: "pull_request", payload, secret: WEBHOOK_SECRET });
    bodyBytes += Buffer.byteLength(d.body);
    const answer = await cloud.ingest(apiGatewayV2Event({ path: "/github", headers: d.headers, body: d.body }));
    if (answer.statusCode !== 202) throw new Error(`ingest answered ${answer.statusCode}: ${answer.body}`);
  }
  const drained = await drain(cloud, 200);
  if (drained.failures.length) throw new Error(`runner failures: ${drained.failures.join("; ")}`);
  const calls = awsCalls
    .all()
    .slice(before)
    .filter((c) => c.caller.deployment === cloud.deployment.id);

  // Final item sizes, by key: what DynamoDB bills a write of that item.
  const scan = await new DynamoDBClient(connection(env, "dynamodb")).send(
    new ScanCommand({ TableName: cloud.table.tableName }),
  );
  const sizes = new Map<string, { size: number; indexed: number }>();
  for (const item of scan.Items ?? []) {
    const key = `${item.pk!.S}|${item.sk!.S}`;
    const projected = ["pk", "sk", "logpk", "logsk", "kind", "event_id", "job_ids", "job_id", "handler", "status"];
    const index = item.logpk
      ? itemSize(Object.fromEntries(Object.entries(item).filter(([k]) => projected.includes(k))) as never)
      : 0;
    sizes.set(key, { size: itemSize(item as never), indexed: index });
  }
  const keyOf = (input: Record<string, unknown>): string => {
    const k = (input.Key ?? input.Item) as Record<string, { S: string }> | undefined;
    return k ? `${k.pk?.S}|${k.sk?.S}` : "";
  };
  let wru = 0;
  let rru = 0;
  let sqsBilled = 0;
  const byOp = new Map<string, number>();
  for (const c of calls) {
    const label = `${c.caller.component} ${c.service}:${c.operation}`;
    byOp.set(label, (byOp.get(label) ?? 0) + 1);
    if (c.service === "dynamodb") {
      const item = sizes.get(keyOf(c.input));
      const units = Math.max(1, Math.ceil((item?.size ?? 1024) / 1024));
      if (["PutItem", "UpdateItem", "DeleteItem"].includes(c.operation)) {
        wru += units + (item?.indexed ? Math.ceil(item.indexed / 1024) : 0);
      } else if (c.operation === "GetItem") {
        rru += Math.max(1, Math.ceil((item?.size ?? 0) / 4096));
      }
    }
    if (c.service === "sqs") sqsBilled += sqsRequests(c);
  }
  const per = (n: number) => Math.round((n / count) * 100) / 100;
  const eventItem = [...sizes].find(([k]) => k.startsWith("EVENT#") && k.endsWith("|EVENT"))?.[1].size;
  const jobItem = [...sizes].find(([k]) => k.startsWith("JOB#"))?.[1].size;
  const runItem = [...sizes].find(([k]) => k.startsWith("RUN#"))?.[1].size;
  console.log(`deliveries: ${count}, mean body ${Math.round(bodyBytes / count)} bytes`);
  console.log(`item sizes (bytes): event ${eventItem} (gzipped event inside), job ${jobItem}, history run ${runItem}`);
  console.log("calls per delivery:");
  for (const [label, n] of [...byOp].sort()) console.log(`  ${label.padEnd(44)} ${per(n)}`);
  console.log(`DynamoDB write units per delivery: ${per(wru)} (index writes included)`);
  console.log(`DynamoDB read units per delivery (strongly consistent): ${per(rru)}`);
  console.log(`SQS billed requests per delivery (64 KB chunks): ${per(sqsBilled)}`);
  console.log(
    `log bytes per delivery (both functions, JSON lines): ${Math.round((cloud.logs.join("\n").length - logsBefore) / count)}`,
  );
} finally {
  await secrets.stop();
  await env.stop();
}

/** SQS bills each 64 KB of a request's payload as one request. */
function sqsRequests(c: AwsCall): number {
  const entries = (c.input.Entries ?? [c.input]) as { MessageBody?: string }[];
  const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody ?? ""), 0);
  return Math.max(1, Math.ceil(bytes / 65_536));
}
