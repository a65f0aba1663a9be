/**
 * Failures on the cloud path: retries through batchItemFailures, the DLQ after maxReceiveCount,
 * redrive and a fixed handler; permanent failures straight to the DLQ; Scheduler messages and
 * their retries; concurrency keys (held key deferred, supersede).
 */
import assert from "node:assert/strict";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { after, before, describe, it } from "node:test";
import { ConcurrencyLease } from "../../../shared/aws/concurrency-lease.ts";
import { DynamoLastRunStore } from "../../../shared/aws/dynamo-last-run-store.ts";
import { listDeadLetters, redriveDeadLetters } from "../../../shared/aws/queue-admin.ts";
import { DynamoEventLog } from "../../../shared/aws/dynamo-event-log.ts";
import { SqsJobSender } from "../../../shared/aws/sqs-job-sender.ts";
import { SqsJobQueue } from "../../../shared/aws/sqs-job-queue.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import { jobIdOf } from "../../../shared/events/event.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { routeEvent } from "../../../shared/router/route.ts";
import { parseConfig } from "../../../shared/config/parse.ts";
import { deleteMessages, receiveAll } from "../../harness/lambda-events.ts";
import {
  startConverseServer,
  startSecretsServer,
  type ConverseServer,
  type SecretsServer,
} from "../../harness/json-rpc-server.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";
import { cloudFixture, type CloudFixture } from "./cloud-fixture.ts";
import { eventually } from "../../harness/wait-for.ts";
import { drain } from "./delivery-flow.ts";

const CONFIG = {
  default_provider: "echo",
  retry: { max_attempts: 2, initial_delay_ms: 0, max_delay_ms: 0 },
  providers: { model: { kind: "bedrock", model: "test.model-v1:0" } },
  sources: [
    {
      type: "schedule",
      name: "weekly-report",
      handler: "report",
      cron: "0 9 * * MON",
      timezone: "Europe/Paris",
      payload: { kind: "weekly" },
    },
    { type: "manual", handler: "flaky" },
  ],
  handlers: {
    report: { prompt: "Weekly report ({payload.kind}) since {last_run}" },
    flaky: { prompt: "Summarize {payload.topic}", provider: "model" },
    pr: { prompt: "Review #{payload.number}", concurrency: { key: "{payload.number}", on_new: "supersede" } },
    serial: { prompt: "Deploy {payload.env}", concurrency: { key: "{payload.env}" } },
  },
};

export function failureFlowSuite(env: () => Promise<AwsTestEnv>): void {
  describe("cloud failures: retries, DLQ, redrive, schedules, concurrency keys", () => {
    let secrets: SecretsServer;
    let bedrock: ConverseServer;
    let cloud: CloudFixture;
    let queue: SqsJobQueue;
    let leases: ConcurrencyLease;
    const config = parseConfig(CONFIG, { where: "test", env: {} });
    before(async () => {
      secrets = await startSecretsServer({ secrets: {} });
      bedrock = await startConverseServer();
      cloud = await cloudFixture(await env(), {
        config: CONFIG,
        secretsEndpoint: secrets.endpoint,
        bedrockEndpoint: bedrock.endpoint,
        maxReceiveCount: 2,
      });
      leases = new ConcurrencyLease({ table: cloud.table });
      // Manual triggers, as `evd cloud trigger` sends them (the operator's policy).
      queue = new SqsJobQueue({
        sender: new SqsJobSender({ sqs: () => cloud.cli.sqs, queueUrl: cloud.queues.queueUrl }),
        sqs: () => cloud.cli.sqs,
        clock: systemClock,
        eventLog: new DynamoEventLog({ table: cloud.cli.table }),
        leases: new ConcurrencyLease({ table: cloud.cli.table }),
      });
    });
    after(async () => {
      await secrets.stop();
      await bedrock.stop();
    });

    const trigger = async (handler: string, payload: Record<string, unknown>) => {
      const event = manualEvent({ payload, now: new Date() });
      const jobs = routeEvent(event, config, new Date(), { handler });
      assert.equal((await queue.submit(event, jobs)).kind, "accepted");
      return jobs[0]!;
    };

    it("retries a failing handler, dead-letters it after maxReceiveCount, and a redrive completes it once fixed", async () => {
      bedrock.mode = "error";
      const job = await trigger("flaky", { topic: "outage" });
      const failures: string[] = [];
      let invocations = 0;
      for (let i = 0; i < 8 && (await cloud.depth()) > 0; i++) {
        const p = await cloud.poll();
        if (p.received) invocations++;
        failures.push(...p.failures);
        if (!p.received) await new Promise((r) => setTimeout(r, 250));
      }
      // maxReceiveCount 2: the first run is retried (a batch item failure), the runner sends the
      // second, last one to the DLQ itself.
      assert.equal(invocations, 2, "the job ran retry.max_attempts times");
      assert.equal(failures.length, 1, "every run but the last was reported in batchItemFailures");
      assert.equal(await cloud.depth(), 0, "the job left the queue");
      const dead = await listDeadLetters(cloud.queues.sqs, cloud.queues.dlqUrl);
      assert.deepEqual(
        dead.map((d) => d.jobId),
        [job.id],
      );
      assert.equal(dead[0]!.handler, "flaky");
      assert.equal((await cloud.jobs.get(job.id))?.state, "FAILED");
      assert.ok(cloud.metrics.some((m) => JSON.parse(m).metric === "failed"));

      bedrock.mode = "ok";
      const redrive = await redriveDeadLetters(cloud.cli.sqs, {
        dlqUrl: cloud.queues.dlqUrl,
        queueUrl: cloud.queues.queueUrl,
      });
      assert.ok(redrive.method === "move-task" || redrive.moved === 1);
      const polled = await eventually(
        () => cloud.poll(),
        (p) => p.received > 0,
      );
      assert.deepEqual(polled.failures, []);
      const record = await cloud.jobs.get(job.id);
      assert.equal(record?.state, "COMPLETED");
      assert.match(String(record?.result?.output), /reply: Summarize outage/);
      const runs = (await cloud.history.list({ limit: 100 })).filter((r) => r.job_id === job.id);
      assert.equal(runs.filter((r) => r.status === "succeeded").length, 1);
      assert.equal(runs.filter((r) => r.status === "failed").length, invocations);
      assert.equal((await listDeadLetters(cloud.queues.sqs, cloud.queues.dlqUrl)).length, 0);
    });

    it("sends a message that can never run straight to the DLQ with the reason", async () => {
      await cloud.queues.sqs.send(
        new SendMessageCommand({ QueueUrl: cloud.queues.queueUrl, MessageBody: "{not json" }),
      );
      await cloud.queues.sqs.send(
        new SendMessageCommand({
          QueueUrl: cloud.queues.queueUrl,
          MessageBody: JSON.stringify({
            kind: "schedule",
            schedule: "no-such-schedule",
            scheduled_time: "2026-11-23T08:00:00Z",
          }),
        }),
      );
      const ghost = {
        id: "ghost-1#ghost",
        handler: "ghost",
        event: { id: "ghost-1", type: "manual", source: "cli", payload: {}, timestamp: new Date().toISOString() },
        attempt: 1,
        enqueued_at: new Date().toISOString(),
      } as const;
      await queue.sender.send([ghost]);
      const p = await drain(cloud);
      assert.equal(p.received, 3);
      assert.deepEqual(p.failures, [], "nothing is retried");
      assert.equal(await cloud.depth(), 0);
      const dead = await listDeadLetters(cloud.queues.sqs, cloud.queues.dlqUrl);
      assert.equal(dead.length, 3);
      const g = dead.find((d) => d.jobId === "ghost-1#ghost");
      assert.match(g?.reason ?? "", /no handler named "ghost"/);
      assert.equal((await cloud.jobs.get("ghost-1#ghost"))?.state, "FAILED");
      assert.ok(dead.some((d) => /not JSON/.test(d.reason ?? "")));
      assert.ok(dead.some((d) => /no schedule source named "no-such-schedule"/.test(d.reason ?? "")));
      // Empty the DLQ for the next tests.
      await deleteMessages(
        cloud.queues.sqs,
        cloud.queues.dlqUrl,
        await receiveAll(cloud.queues.sqs, cloud.queues.dlqUrl),
      );
    });

    it("runs an EventBridge Scheduler message once, even when Scheduler delivers it twice", async () => {
      const body = JSON.stringify({
        kind: "schedule",
        schedule: "weekly-report",
        scheduled_time: "2026-11-23T08:00:00Z",
      });
      // Scheduler delivers, then delivers again (its retry, or an at-least-once duplicate). The
      // firing is admitted (event log, dedupe by schedule + time) and its job is a new message.
      for (let copy = 1; copy <= 2; copy++) {
        await cloud.schedulerSqs.send(new SendMessageCommand({ QueueUrl: cloud.queues.queueUrl, MessageBody: body }));
        const p = await drain(cloud);
        assert.equal(p.received, copy === 1 ? 2 : 1, "the first firing and its job; then only the duplicate firing");
        assert.deepEqual(p.failures, []);
      }
      assert.equal(await cloud.depth(), 0);
      const jobId = jobIdOf("schedule:weekly-report:2026-11-23T08:00:00.000Z", "report");
      assert.equal((await cloud.jobs.get(jobId))?.state, "COMPLETED");
      const runs = (await cloud.history.list({ limit: 100 })).filter((r) => r.job_id === jobId);
      assert.equal(runs.length, 1);
      assert.match(String(runs[0]!.output), /Weekly report \(weekly\)/);
      assert.equal(
        await new DynamoLastRunStore({ table: cloud.table }).get("weekly-report"),
        Date.parse("2026-11-23T08:00:00Z"),
      );
    });

    it("supersedes an older pending job for the same concurrency key", async () => {
      const older = await trigger("pr", { number: 7, sha: "a" });
      const newer = await trigger("pr", { number: 7, sha: "b" });
      assert.equal(older.concurrency_key, "7");
      const p = await drain(cloud);
      assert.deepEqual(p.failures, []);
      assert.equal(await cloud.depth(), 0);
      const o = await cloud.jobs.get(older.id);
      const n = await cloud.jobs.get(newer.id);
      assert.equal(o?.state, "COMPLETED");
      assert.equal(o?.result?.status, "dropped");
      assert.equal(o?.result?.reason, `superseded by ${newer.id}`);
      assert.equal(n?.state, "COMPLETED");
      assert.equal(n?.result?.status, "succeeded");
    });

    it("defers a job whose concurrency key is held and runs it after the holder is done", async () => {
      const job = await trigger("serial", { env: "prod" });
      assert.equal(
        (await leases.acquire("serial", "prod", "someone-else#serial", 60_000, Date.now())).kind,
        "acquired",
      );
      const p = await cloud.poll();
      assert.equal(p.received, 1);
      assert.deepEqual(p.failures, []);
      assert.equal(await cloud.jobs.get(job.id), undefined, "the job did not run while the key was held");
      assert.ok((await cloud.depth()) > 0, "it is back on the queue, delayed");
      await leases.release("serial", "prod", "someone-else#serial");
      await drain(cloud);
      assert.equal((await cloud.jobs.get(job.id))?.state, "COMPLETED");
    });
  });
}
