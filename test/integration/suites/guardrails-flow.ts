/**
 * Issue 16's guardrails on the cloud path, on emulators: budgets held by DynamoDB counters under
 * two concurrent runner containers (and replayed once raised), the storm breaker's DynamoDB state
 * under concurrent ingest requests, and one trace per event from ingest to runner through the SQS
 * job message, exported over OTLP/HTTP to a local receiver.
 */
import assert from "node:assert/strict";
import type { Message } from "@aws-sdk/client-sqs";
import { after, before, describe, it } from "node:test";
import { DynamoBreakerStore } from "../../../shared/aws/dynamo-breaker-store.ts";
import { DynamoCounterStore } from "../../../shared/aws/dynamo-counter-store.ts";
import { DynamoEventLog } from "../../../shared/aws/dynamo-event-log.ts";
import { replayLoggedEvents } from "../../../shared/aws/event-replay.ts";
import { SqsJobSender } from "../../../shared/aws/sqs-job-sender.ts";
import { windowOf } from "../../../shared/guardrails/budget-window.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { formatTraceparent, rootOf } from "../../../shared/tracing/trace-context.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";
import { startSecretsServer, type SecretsServer } from "../../harness/json-rpc-server.ts";
import { apiGatewayV2Event, deleteMessages, receiveAll, sqsEventOf } from "../../harness/lambda-events.ts";
import { startOtlpReceiver, type OtlpReceiver } from "../../harness/otlp-receiver.ts";
import { waitFor } from "../../harness/wait-for.ts";
import { cloudFixture, secretIdOf, WEBHOOK_SECRET, type CloudFixture } from "./cloud-fixture.ts";
import { prDelivery, prJobId } from "./delivery-flow.ts";

function guardedConfig(otlpUrl: string, runsPerHour: number) {
  return {
    default_provider: "echo",
    max_body_bytes: 200_000,
    sources: [
      { type: "git_pr", handler: "review", path: "/github", secret: "${GITHUB_WEBHOOK_SECRET}", events: ["opened"] },
      { type: "webhook", path: "/hooks/report", signature: "none", handler: "report" },
      { type: "webhook", path: "/hooks/flood", signature: "none", handler: "report" },
    ],
    handlers: {
      review: { prompt: "Review #{payload.number}", budget: { runs_per_hour: runsPerHour } },
      report: {
        steps: [
          { id: "draft", prompt: "Draft a report on {payload.topic}" },
          { id: "check", prompt: "Check: {steps.0.output}", model: "claude-sonnet-4-5" },
          { id: "final", prompt: "Final: {steps.1.output}" },
        ],
      },
    },
    guardrails: { storm: { max_events: 20, window_seconds: 3600, cooldown_seconds: 600 } },
    tracing: { otlp_endpoint: otlpUrl, service_name: "evd-cloud-test" },
  };
}

function post(path: string, body: unknown) {
  return apiGatewayV2Event({
    path,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    base64: false,
  });
}

/** Receives until `count` messages are in hand (the emulator may answer with fewer per call). */
async function receive(cloud: CloudFixture, count: number): Promise<Message[]> {
  const got: Message[] = [];
  await waitFor(
    async () => {
      got.push(...(await receiveAll(cloud.queues.sqs, cloud.queues.queueUrl)));
      return got.length >= count;
    },
    `${count} messages on the job queue`,
    { timeoutMs: 15_000, intervalMs: 50 },
  );
  return got;
}

export function guardrailsFlowSuite(env: () => Promise<AwsTestEnv>): void {
  describe("cloud guardrails: budgets, storm breaker, one trace per event", () => {
    let secrets: SecretsServer;
    let otlp: OtlpReceiver;
    let cloud: CloudFixture;
    before(async () => {
      otlp = await startOtlpReceiver();
      const config = guardedConfig(otlp.url, 3);
      secrets = await startSecretsServer({
        secrets: { [secretIdOf(config, "GITHUB_WEBHOOK_SECRET")]: WEBHOOK_SECRET },
      });
      cloud = await cloudFixture(await env(), { config, secretsEndpoint: secrets.endpoint });
    });
    after(async () => {
      await secrets.stop();
      await otlp.stop();
    });

    it("carries one trace from ingest to the runner through the job message, exported over OTLP/HTTP", async () => {
      const res = await cloud.ingest(post("/hooks/report", { topic: "tracing" }));
      assert.equal(res.statusCode, 202, res.body);
      const eventId = String((JSON.parse(res.body ?? "{}") as { event_id: string }).event_id);
      const [message] = await receive(cloud, 1);
      const job = JSON.parse(message!.Body!) as { traceparent?: string };
      assert.equal(job.traceparent, formatTraceparent(rootOf(eventId)), "the job message carries the trace context");

      const runner = cloud.runner();
      const out = await runner(sqsEventOf([message!], cloud.queueArn));
      assert.deepEqual(out.batchItemFailures, []);
      await deleteMessages(cloud.queues.sqs, cloud.queues.queueUrl, [message!]);

      const root = rootOf(eventId);
      const trace = await waitFor(
        () => {
          const spans = otlp.spans.filter((s) => s.traceId === root.traceId);
          return spans.length >= 5 ? spans : undefined;
        },
        "the event's five spans at the OTLP receiver",
        10_000,
      );
      const admission = trace.find((s) => s.name === "event webhook /hooks/report")!;
      assert.equal(admission.spanId, root.spanId, "ingest exported the root: the admission");
      assert.equal(admission.parentSpanId, undefined);
      assert.equal(admission.service, "evd-cloud-test");
      const jobSpan = trace.find((s) => s.name === "job report")!;
      assert.equal(jobSpan.parentSpanId, admission.spanId, "the runner's job span is the admission's child");
      const steps = trace.filter((s) => s.parentSpanId === jobSpan.spanId).map((s) => s.name);
      assert.deepEqual(steps.sort(), ["prompt steps[0] (draft)", "prompt steps[1] (check)", "prompt steps[2] (final)"]);
      const check = trace.find((s) => s.name === "prompt steps[1] (check)")!;
      assert.equal(check.attributes["gen_ai.request.model"], "claude-sonnet-4-5");
      assert.ok(Number(check.attributes["gen_ai.usage.input_tokens"]) > 0);
      assert.equal(jobSpan.attributes["evd.status"], "succeeded");
      assert.deepEqual(otlp.rejected, []);
    });

    it("holds runs_per_hour across two concurrent runner containers: exactly the budget runs, the rest recorded, nothing lost", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        const d = prDelivery({ number: 100 + i });
        const res = await cloud.ingest(d.event);
        assert.equal(res.statusCode, 202, res.body);
        ids.push(prJobId(d.deliveryId));
      }
      const messages = await receive(cloud, 8);
      const [a, b] = [cloud.runner(), cloud.runner()];
      const results = await Promise.all([
        a(sqsEventOf(messages.slice(0, 4), cloud.queueArn)),
        b(sqsEventOf(messages.slice(4), cloud.queueArn)),
      ]);
      assert.deepEqual(
        results.flatMap((r) => r.batchItemFailures),
        [],
      );
      await deleteMessages(cloud.queues.sqs, cloud.queues.queueUrl, messages);

      const runs = (await cloud.history.list({ handler: "review", limit: 50 })).filter((r) => ids.includes(r.job_id!));
      const statuses = runs.map((r) => r.status).sort();
      assert.deepEqual(statuses, [...Array(5).fill("budget_exceeded"), ...Array(3).fill("succeeded")]);
      for (const r of runs.filter((x) => x.status === "budget_exceeded"))
        assert.match(r.reason ?? "", /^budget exceeded: handler "review" reached runs_per_hour 3 \(used 3\)/);
      for (const id of ids) assert.equal((await cloud.jobs.get(id))?.state, "COMPLETED", `${id} is settled`);
      const hour = windowOf("hour", Date.now());
      const counted = await new DynamoCounterStore({ table: cloud.table }).read(
        `budget/handler:review/hour/${hour.label}`,
      );
      assert.equal(counted.runs, 3, "the shared counter never went past the limit");
      assert.equal(cloud.metrics.filter((m) => m.includes('"metric":"budget_exceeded"')).length, 5);
    });

    it("runs the refused jobs once the budget is raised and they are replayed (evd cloud replay)", async () => {
      // What `evd cloud replay --status budget_exceeded` does, with the operator's permissions.
      const replayed = await replayLoggedEvents(
        {
          eventLog: new DynamoEventLog({ table: cloud.cli.table }),
          table: cloud.cli.table,
          sender: new SqsJobSender({ sqs: () => cloud.cli.sqs, queueUrl: cloud.queues.queueUrl }),
          clock: systemClock,
        },
        { status: "budget_exceeded", since: Date.now() - 3_600_000 },
      );
      assert.equal(replayed.length, 5);
      assert.ok(replayed.every((r) => r.jobId === `${r.replayOf}#replay-1`));
      const raised = cloud.runner({ config: guardedConfig(otlp.url, 100) });
      const drained = await (async () => {
        let received = 0;
        for (let i = 0; i < 40 && (await cloud.depth()) > 0; i++) received += (await cloud.poll(raised)).received;
        return received;
      })();
      assert.equal(drained, 5);
      const replays = (await cloud.history.list({ handler: "review", limit: 50 })).filter((r) =>
        r.job_id?.endsWith("#replay-1"),
      );
      assert.deepEqual(
        replays.map((r) => r.status),
        Array(5).fill("succeeded"),
      );
    });

    it("pauses a flooding source for every ingest container at once (DynamoDB), with one source_paused metric, and resumes it", async () => {
      const answers = await Promise.all(
        Array.from({ length: 26 }, (_, i) => cloud.ingest(post("/hooks/flood", { topic: `flood ${i}` }))),
      );
      const codes = answers.map((r) => r.statusCode).sort();
      assert.deepEqual(codes, [...Array(20).fill(202), ...Array(6).fill(429)]);
      const refused = answers.find((r) => r.statusCode === 429)!;
      assert.equal((JSON.parse(refused.body ?? "{}") as { error: string }).error, "source_paused");
      assert.ok(Number(refused.headers?.["retry-after"]) > 500);
      assert.equal(cloud.metrics.filter((m) => m.includes('"metric":"source_paused"')).length, 1);
      const breakers = new DynamoBreakerStore({ table: cloud.cli.table }); // `evd cloud breaker list | resume`
      assert.deepEqual(
        (await breakers.paused(Date.now())).map((p) => p.source),
        ["/hooks/flood"],
      );
      assert.equal(await cloud.depth(), 20, "every accepted event's job is queued: nothing lost");
      assert.equal(await breakers.resume("/hooks/flood", Date.now()), true);
      assert.equal((await cloud.ingest(post("/hooks/flood", { topic: "after" }))).statusCode, 202);
    });
  });
}
