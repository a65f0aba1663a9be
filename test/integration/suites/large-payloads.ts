/**
 * Deliveries larger than AWS's limits, end to end on the emulators (DynamoDB Local refuses items
 * over 400 KB; the proxies refuse SQS messages over 256 KiB; s3rver is the S3 of the claim check):
 * - a real 5 MB `push` delivery: its event goes to the payload bucket, the event-log item and the
 *   job message carry references, the runner reads it back and runs the job once;
 * - a 700 KB delivery that compresses well: gzipped inside the item, by reference in the message;
 * - `evd cloud replay` of the 5 MB event reads it from the bucket and sends it again by reference.
 * Before the claim check, each of these was refused on every delivery (GitHub would retry forever).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { S3Client } from "@aws-sdk/client-s3";
import { after, before, describe, it } from "node:test";
import type { CloudContext } from "../../../local/cli/commands/cloud.ts";
import { runCloudCli } from "../../harness/cloud-cli.ts";
import { sdkConfig } from "../../../shared/aws/aws-connection.ts";
import { eventKey } from "../../../shared/aws/table-layout.ts";
import { githubEventId } from "../../../shared/events/event-id.ts";
import { jobIdOf } from "../../../shared/events/event.ts";
import { githubExample, signedGithubDelivery } from "../../fixtures/github.ts";
import { componentConnectionOf, type AwsTestEnv } from "../../harness/aws-env.ts";
import { Component } from "../../harness/aws-identity.ts";
import { AWS_LIMITS } from "../../harness/aws-limits.ts";
import { startSecretsServer, type SecretsServer } from "../../harness/json-rpc-server.ts";
import { apiGatewayV2Event } from "../../harness/lambda-events.ts";
import { awsCalls } from "../../harness/aws-call.ts";
import { cloudFixture, secretIdOf, WEBHOOK_SECRET, type CloudFixture } from "./cloud-fixture.ts";
import { drain } from "./delivery-flow.ts";

const CONFIG = {
  max_body_bytes: 6_000_000,
  sources: [{ type: "git_push", handler: "summarize", path: "/github", secret: "${GITHUB_WEBHOOK_SECRET}" }],
  handlers: { summarize: { prompt: "Summarize the push to {branch}: {payload.head_commit.message}" } },
};

/** A real push payload grown to about `bytes` with commits; `random` file names barely compress. */
function pushOf(bytes: number, random: boolean): Record<string, unknown> {
  const payload = githubExample("push");
  const head = payload.head_commit as Record<string, unknown>;
  const commits: unknown[] = [];
  let size = JSON.stringify(payload).length;
  for (let i = 0; size < bytes; i++) {
    const files = Array.from({ length: 40 }, (_, f) =>
      random ? `src/${randomBytes(12).toString("hex")}.ts` : `src/module-${f}/index.ts`,
    );
    const commit = { ...head, id: randomBytes(20).toString("hex"), message: `change ${i}`, added: files, modified: [] };
    commits.push(commit);
    size += JSON.stringify(commit).length + 1;
  }
  return { ...payload, commits };
}

function delivery(payload: Record<string, unknown>) {
  const d = signedGithubDelivery({ event: "push", payload, secret: WEBHOOK_SECRET });
  const headers = Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, v]));
  // The ids ingest gives the delivery: its event (namespaced by the endpoint) and its one job.
  const eventId = githubEventId("/github", d.deliveryId);
  const jobId = jobIdOf(eventId, "summarize");
  // API Gateway passes an application/json body as text (a base64 copy would be a third larger).
  return { ...d, eventId, jobId, event: apiGatewayV2Event({ path: "/github", headers, body: d.body, base64: false }) };
}

export function largePayloadsSuite(env: () => Promise<AwsTestEnv>): void {
  describe("deliveries over AWS's item and message limits: compression and the claim check", () => {
    let secrets: SecretsServer;
    let cloud: CloudFixture;
    let big: ReturnType<typeof delivery>;
    before(async () => {
      secrets = await startSecretsServer({
        secrets: { [secretIdOf(CONFIG, "GITHUB_WEBHOOK_SECRET")]: WEBHOOK_SECRET },
      });
      cloud = await cloudFixture(await env(), { config: CONFIG, secretsEndpoint: secrets.endpoint });
    });
    after(() => secrets.stop());

    const eventItem = async (id: string) =>
      (await cloud.table.doc().send(new GetCommand({ TableName: cloud.table.tableName, Key: eventKey(id) }))).Item;

    it("runs a real 5 MB push once: event and job message by reference to the payload bucket", async () => {
      big = delivery(pushOf(5_000_000, true));
      assert.ok(big.body.length >= 5_000_000);
      const answer = await cloud.ingest(big.event);
      assert.equal(answer.statusCode, 202, answer.body);
      assert.equal(JSON.parse(answer.body ?? "{}").status, "accepted");
      const item = await eventItem(big.eventId);
      assert.ok(item?.event_ref && item.event_z === undefined, "the event log points to the bucket");
      // The message ingest sent, as the recording proxy saw it.
      const sent = awsCalls
        .componentCalls()
        .filter((c) => c.caller.component === Component.INGEST && c.operation === "SendMessageBatch")
        .flatMap((c) => (c.input.Entries ?? []) as { MessageBody: string }[])
        .find((m) => m.MessageBody.includes(big.jobId));
      assert.ok(sent, "ingest sent the job");
      assert.ok(Buffer.byteLength(sent.MessageBody) < AWS_LIMITS.sqsMessageBytes);
      assert.match(sent.MessageBody, /"payload_ref":\{"bucket":/);
      assert.deepEqual((await drain(cloud)).failures, []);
      const record = await cloud.jobs.get(big.jobId);
      assert.equal(record?.state, "COMPLETED");
      assert.match(String(record?.result?.output), /Summarize the push to master: Initial commit/);
    });

    it("keeps a 700 KB delivery that compresses well inside its item, and sends its job by reference", async () => {
      const mid = delivery(pushOf(700_000, false));
      assert.equal((await cloud.ingest(mid.event)).statusCode, 202);
      const item = await eventItem(mid.eventId);
      assert.ok(item?.event_z instanceof Uint8Array, "compressed inside the item");
      assert.ok(
        (item.event_z as Uint8Array).length < 100_000,
        `${(item.event_z as Uint8Array).length} bytes compressed`,
      );
      assert.deepEqual((await drain(cloud)).failures, []);
      assert.equal((await cloud.jobs.get(mid.jobId))?.state, "COMPLETED");
    });

    it("replays the 5 MB event from the bucket as a new job (evd cloud replay)", async () => {
      const e = await env();
      const id = cloud.deployment.id;
      const as = (service: "sqs" | "dynamodb" | "scheduler" | "s3") =>
        componentConnectionOf(e, service, Component.CLI, id);
      const context = async (): Promise<CloudContext> => ({
        resources: {
          tableName: cloud.table.tableName,
          queueUrl: cloud.queues.queueUrl,
          dlqUrl: cloud.queues.dlqUrl,
          payloadBucket: cloud.deployment.bucketName!,
        },
        sqs: () => cloud.cli.sqs,
        scheduler: () => new SchedulerClient(as("scheduler")),
        table: () => cloud.cli.table,
        s3: () => new S3Client({ ...sdkConfig(as("s3")), forcePathStyle: true }),
      });
      const { out, err } = await runCloudCli(["replay", "--handler", "summarize", "--status", "succeeded"], context);
      assert.deepEqual(err, []);
      assert.ok(out.includes(`  ${big.jobId}#replay-1  (replay of ${big.jobId})`), out.join("\n"));
      assert.deepEqual((await drain(cloud)).failures, []);
      assert.equal((await cloud.jobs.get(`${big.jobId}#replay-1`))?.state, "COMPLETED");
    });
  });
}
