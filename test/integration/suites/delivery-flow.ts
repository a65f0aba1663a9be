/**
 * Issue 5's end-to-end cloud semantics on emulators: signed GitHub delivery -> ingest Lambda
 * (API Gateway v2 event) -> SQS -> runner Lambda (SQS event from the received messages) ->
 * DynamoDB job + history; redeliveries, concurrent runners, a killed runner, refusals.
 */
import assert from "node:assert/strict";
import { eventually } from "../../harness/wait-for.ts";
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { after, before, describe, it } from "node:test";
import { DynamoEventLog } from "../../../shared/aws/dynamo-event-log.ts";
import { githubEventId } from "../../../shared/events/event-id.ts";
import { jobIdOf } from "../../../shared/events/event.ts";
import { githubExample, signedGithubDelivery } from "../../fixtures/github.ts";
import { startSilentServer } from "../../harness/silent-server.ts";
import { startSecretsServer, type SecretsServer } from "../../harness/json-rpc-server.ts";
import { apiGatewayV2Event, deleteMessages, receiveAll, sqsEventOf } from "../../harness/lambda-events.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";
import { cloudFixture, secretIdOf, WEBHOOK_SECRET, type CloudFixture } from "./cloud-fixture.ts";

export const PR_CONFIG = {
  max_body_bytes: 200_000,
  default_provider: "echo",
  sources: [
    {
      type: "git_pr",
      handler: "review",
      path: "/github",
      secret: "${GITHUB_WEBHOOK_SECRET}",
      events: ["opened", "synchronize"],
    },
  ],
  handlers: {
    review: {
      prompt: "Review pull request #{payload.number} of {repo}",
      // As in examples/pr-review.yaml: ingest notes the newest job per pull request.
      concurrency: { key: "{payload.number}", on_new: "supersede" },
    },
  },
};

/** A signed delivery as API Gateway hands it over: mixed-case header names, body base64 or not. */
export function prDelivery(opts: { number?: number; deliveryId?: string; secret?: string; base64?: boolean } = {}) {
  const payload = githubExample("pull_request", "opened");
  if (opts.number !== undefined) payload.number = opts.number;
  const d = signedGithubDelivery({
    event: "pull_request",
    payload,
    secret: opts.secret ?? WEBHOOK_SECRET,
    ...(opts.deliveryId ? { deliveryId: opts.deliveryId } : {}),
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.headers))
    headers[k.replace(/(^|-)([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase())] = v;
  return {
    event: apiGatewayV2Event({ path: "/github", headers, body: d.body, base64: opts.base64 ?? true }),
    deliveryId: d.deliveryId,
    body: d.body,
  };
}

/** The event id ingest gives a delivery to PR_CONFIG's `/github` endpoint. */
export function prEventId(deliveryId: string): string {
  return githubEventId("/github", deliveryId);
}

/** The id of the `review` job that delivery makes. */
export function prJobId(deliveryId: string): string {
  return jobIdOf(prEventId(deliveryId), "review");
}

/** Polls until the queue is empty (in flight and delayed included), as the event source mapping would. */
export async function drain(cloud: CloudFixture, rounds = 40): Promise<{ received: number; failures: string[] }> {
  let received = 0;
  const failures: string[] = [];
  for (let i = 0; i < rounds && (await cloud.depth()) > 0; i++) {
    const p = await cloud.poll();
    received += p.received;
    failures.push(...p.failures);
    if (!p.received) await new Promise((r) => setTimeout(r, 250));
  }
  return { received, failures };
}

function parse(body: string | undefined): Record<string, unknown> {
  return JSON.parse(body ?? "{}") as Record<string, unknown>;
}

export function deliveryFlowSuite(env: () => Promise<AwsTestEnv>): void {
  describe("cloud delivery: ingest -> SQS -> runner -> DynamoDB", () => {
    let secrets: SecretsServer;
    let cloud: CloudFixture;
    before(async () => {
      // The secret the stack creates for ${GITHUB_WEBHOOK_SECRET} (<stack name>/GITHUB_WEBHOOK_SECRET).
      secrets = await startSecretsServer({
        secrets: { [secretIdOf(PR_CONFIG, "GITHUB_WEBHOOK_SECRET")]: WEBHOOK_SECRET },
      });
      cloud = await cloudFixture(await env(), { config: PR_CONFIG, secretsEndpoint: secrets.endpoint });
    });
    after(() => secrets.stop());

    it("runs a signed pull_request delivery once: 202, one message, COMPLETED, one history row", async () => {
      const d = prDelivery();
      const res = await cloud.ingest(d.event);
      assert.equal(res.statusCode, 202, res.body);
      const body = parse(res.body);
      assert.equal(body.status, "accepted");
      const jobId = prJobId(d.deliveryId);
      assert.deepEqual(body.jobs, [jobId]);

      const polled = await cloud.poll();
      assert.equal(polled.received, 1);
      assert.deepEqual(polled.failures, []);
      const record = await cloud.jobs.get(jobId);
      assert.equal(record?.state, "COMPLETED");
      assert.equal(record?.attempts, 1);
      const rows = (await cloud.history.list({ limit: 50 })).filter((r) => r.job_id === jobId);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.status, "succeeded");
      assert.match(String(rows[0]!.output ?? JSON.stringify(rows[0])), /Review pull request #\d+/);
      assert.equal(await cloud.depth(), 0);
      assert.ok(
        cloud.logs.some((l) => {
          const o = JSON.parse(l) as Record<string, unknown>;
          return o.job_id === jobId && o.event_id === prEventId(d.deliveryId) && o.handler === "review";
        }),
        "log lines carry event_id, job_id, handler",
      );
      assert.ok(cloud.metrics.some((m) => JSON.parse(m).metric === "enqueued"));
      assert.ok(cloud.metrics.some((m) => JSON.parse(m).metric === "completed"));
    });

    it("answers a redelivery as a duplicate and a double SQS delivery runs nothing twice", async () => {
      const d = prDelivery({ base64: false });
      assert.equal((await cloud.ingest(d.event)).statusCode, 202);
      const again = await cloud.ingest(d.event);
      assert.equal(again.statusCode, 202);
      assert.equal(parse(again.body).status, "duplicate");
      const messages = await receiveAll(cloud.queues.sqs, cloud.queues.queueUrl);
      assert.equal(messages.length, 1, "the redelivery enqueued nothing");
      // SQS at-least-once: the same message handed to the runner twice.
      const runner = cloud.runner();
      const event = sqsEventOf([messages[0]!, messages[0]!], cloud.queueArn);
      const first = await runner(sqsEventOf([messages[0]!], cloud.queueArn));
      assert.deepEqual(first.batchItemFailures, []);
      const second = await runner(event);
      assert.deepEqual(second.batchItemFailures, []);
      const jobId = prJobId(d.deliveryId);
      assert.equal((await cloud.jobs.get(jobId))?.state, "COMPLETED");
      assert.equal((await cloud.history.list({ limit: 100 })).filter((r) => r.job_id === jobId).length, 1);
      await deleteMessages(cloud.queues.sqs, cloud.queues.queueUrl, messages);
    });

    it("gives a job to exactly one of two runners claiming it at the same time", async () => {
      const d = prDelivery();
      assert.equal((await cloud.ingest(d.event)).statusCode, 202);
      const messages = await receiveAll(cloud.queues.sqs, cloud.queues.queueUrl);
      assert.equal(messages.length, 1);
      const event = sqsEventOf(messages, cloud.queueArn);
      const [a, b] = await Promise.all([cloud.runner()(event), cloud.runner()(event)]);
      const jobId = prJobId(d.deliveryId);
      const rows = (await cloud.history.list({ limit: 100 })).filter((r) => r.job_id === jobId);
      assert.equal(rows.length, 1, "exactly one runner ran the pipeline");
      assert.equal((await cloud.jobs.get(jobId))?.state, "COMPLETED");
      assert.ok(
        a.batchItemFailures.length + b.batchItemFailures.length <= 1,
        "the loser is either a duplicate or retried later (busy)",
      );
      await deleteMessages(cloud.queues.sqs, cloud.queues.queueUrl, messages);
    });

    it("re-runs a job whose runner died after the claim once its lease expired", async () => {
      const d = prDelivery();
      assert.equal((await cloud.ingest(d.event)).statusCode, 202);
      const jobId = prJobId(d.deliveryId);
      // The killed runner: it received the message (1 s visibility), claimed the job with a short
      // lease, then vanished without deleting the message or finishing the job.
      const received = await cloud.queues.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: cloud.queues.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 1 }),
      );
      assert.equal(received.Messages?.length, 1);
      const claimedAt = Date.now();
      const claim = await cloud.jobs.claim(jobId, 50, claimedAt);
      assert.equal(claim.kind, "claimed");
      // Its visibility timeout runs out and SQS delivers the message again, to a runner whose clock is past the lease.
      const later = { now: () => Date.now() + 60_000 };
      const runner = cloud.runner({ clock: later });
      const polled = await eventually(
        () => cloud.poll(runner),
        (p) => p.received > 0,
      );
      assert.equal(polled.received, 1);
      assert.deepEqual(polled.failures, []);
      const record = await cloud.jobs.get(jobId);
      assert.equal(record?.state, "COMPLETED");
      assert.equal(record?.attempts, 2, "the takeover is counted as a second attempt");
    });

    it("enqueues nothing for a badly signed or oversized request", async () => {
      const bad = prDelivery({ secret: "not-the-secret" });
      const res = await cloud.ingest(bad.event);
      assert.equal(res.statusCode, 401);
      assert.equal(parse(res.body).error !== undefined, true);

      const big = prDelivery();
      const padded = JSON.stringify({ ...JSON.parse(big.body), padding: "x".repeat(250_000) });
      const huge = { ...big.event, body: Buffer.from(padded).toString("base64"), isBase64Encoded: true };
      const res2 = await cloud.ingest(huge);
      assert.equal(res2.statusCode, 413);

      assert.equal(await cloud.depth(), 0);
      assert.equal(await cloud.jobs.get(prJobId(bad.deliveryId)), undefined);
    });

    it("answers 503 and keeps no event record when the queue refuses the jobs, so the redelivery runs", async () => {
      const d = prDelivery();
      const queueName = cloud.deployment.queueName;
      await cloud.queues.sqs.send(new DeleteQueueCommand({ QueueUrl: cloud.queues.queueUrl }));
      try {
        const refused = await cloud.ingest(d.event);
        assert.equal(refused.statusCode, 503, refused.body);
        assert.equal(refused.headers?.["retry-after"], "5");
      } finally {
        const again = await cloud.queues.sqs.send(
          new CreateQueueCommand({
            QueueName: queueName,
            Attributes: {
              VisibilityTimeout: "30",
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: cloud.queues.dlqArn, maxReceiveCount: 2 }),
            },
          }),
        );
        assert.equal(again.QueueUrl, cloud.queues.queueUrl);
      }
      // GitHub's manual redelivery (same delivery id) is accepted, not answered "duplicate".
      const redelivered = await cloud.ingest(d.event);
      assert.equal(parse(redelivered.body).status, "accepted", redelivered.body);
      assert.equal((await drain(cloud)).failures.length, 0);
      assert.equal((await cloud.jobs.get(prJobId(d.deliveryId)))?.state, "COMPLETED");
    });

    it("sends the jobs on a redelivery when a crash left the event recorded but never sent", async () => {
      const d = prDelivery();
      // What an ingest killed between the event record and the send leaves behind: the record, no jobs.
      const eventLog = new DynamoEventLog({ table: cloud.table });
      const payload = JSON.parse(d.body) as Record<string, unknown>;
      const recorded = await eventLog.record(
        { id: prEventId(d.deliveryId), type: "git_pr", source: "github", payload, timestamp: new Date().toISOString() },
        [prJobId(d.deliveryId)],
        Date.now(),
      );
      assert.equal(recorded.kind, "recorded");
      assert.equal(await cloud.depth(), 0);
      const redelivered = await cloud.ingest(d.event);
      assert.equal(redelivered.statusCode, 202);
      assert.equal(parse(redelivered.body).status, "accepted", "not swallowed as a duplicate");
      assert.equal((await drain(cloud)).failures.length, 0);
      assert.equal((await cloud.jobs.get(prJobId(d.deliveryId)))?.state, "COMPLETED");
      // Now it is fully enqueued: the next redelivery is a duplicate and enqueues nothing.
      assert.equal(parse((await cloud.ingest(d.event)).body).status, "duplicate");
      assert.equal(await cloud.depth(), 0);
    });

    it("answers 503 within its timeouts when the queue never answers, and the redelivery then runs", async () => {
      const silent = await startSilentServer();
      try {
        const d = prDelivery();
        const started = Date.now();
        const answer = await Promise.race([
          cloud.ingestVia(silent.endpoint)(d.event),
          new Promise<"hung">((r) => setTimeout(() => r("hung"), 10_000).unref()),
        ]);
        assert.notEqual(answer, "hung", "ingest waited on SQS past GitHub's 10 s");
        assert.equal(answer !== "hung" && answer.statusCode, 503);
        assert.ok(Date.now() - started < 6_000, "answered within the ingest Lambda's 6 s timeout");
        const redelivered = await cloud.ingest(d.event);
        assert.equal(parse(redelivered.body).status, "accepted");
        assert.equal((await drain(cloud)).failures.length, 0);
        assert.equal((await cloud.jobs.get(prJobId(d.deliveryId)))?.state, "COMPLETED");
      } finally {
        await silent.stop();
      }
    });

    it("answers 404 for an unknown path and 405 for a GET, header names in any case", async () => {
      const d = prDelivery();
      assert.equal((await cloud.ingest({ ...d.event, rawPath: "/nope", routeKey: "POST /nope" })).statusCode, 404);
      const get = {
        ...d.event,
        requestContext: { ...d.event.requestContext, http: { ...d.event.requestContext.http, method: "GET" } },
      };
      assert.equal((await cloud.ingest(get)).statusCode, 405);
      assert.equal(await cloud.depth(), 0);
    });
  });

  describe("cloud webhook secret rotation (put-secret-value) in a warm ingest", () => {
    it("verifies the new secret at once and the previous one during the rotation, with no cold start", async () => {
      const id = secretIdOf(PR_CONFIG, "GITHUB_WEBHOOK_SECRET");
      const secrets = await startSecretsServer({ secrets: { [id]: WEBHOOK_SECRET } });
      try {
        const cloud = await cloudFixture(await env(), { config: PR_CONFIG, secretsEndpoint: secrets.endpoint });
        assert.equal((await cloud.ingest(prDelivery().event)).statusCode, 202, "the container is warm");
        secrets.putSecretValue(id, "the-rotated-secret");
        const signedWithNew = await cloud.ingest(prDelivery({ secret: "the-rotated-secret" }).event);
        assert.equal(signedWithNew.statusCode, 202, signedWithNew.body);
        const signedWithPrevious = await cloud.ingest(prDelivery().event);
        assert.equal(signedWithPrevious.statusCode, 202, "GitHub may still sign with the previous secret");
        assert.equal((await cloud.ingest(prDelivery({ secret: "neither" }).event)).statusCode, 401);
      } finally {
        await secrets.stop();
      }
    });
  });

  describe("cloud backpressure: queue_overflow with queue_capacity", () => {
    let secrets: SecretsServer;
    before(async () => {
      secrets = await startSecretsServer({
        secrets: { "evd/github-webhook": WEBHOOK_SECRET },
        parameters: { "/evd/github-webhook": WEBHOOK_SECRET },
      });
    });
    after(() => secrets.stop());

    // The webhook secret as an existing Secrets Manager secret (imported by name), then as an SSM parameter.
    const secretOf = { error: "evd/github-webhook", drop: "ssm:/evd/github-webhook" } as const;
    for (const policy of ["error", "drop"] as const) {
      it(`${policy}: the delivery past the capacity is ${policy === "error" ? "refused with 429" : "recorded as dropped"} and nothing is enqueued`, async () => {
        const cloud = await cloudFixture(await env(), {
          config: {
            ...PR_CONFIG,
            queue_overflow: policy,
            queue_capacity: 1,
            cloud: { secrets: { GITHUB_WEBHOOK_SECRET: secretOf[policy] } },
          },
          secretsEndpoint: secrets.endpoint,
        });
        assert.equal((await cloud.ingest(prDelivery().event)).statusCode, 202);
        const second = await cloud.ingest(prDelivery().event);
        if (policy === "error") {
          assert.equal(second.statusCode, 429);
          assert.equal(second.headers?.["retry-after"], "5");
        } else {
          assert.equal(second.statusCode, 202);
          assert.equal(parse(second.body).status, "dropped");
        }
        assert.equal((await receiveAll(cloud.queues.sqs, cloud.queues.queueUrl)).length, 1);
      });
    }
  });
}
