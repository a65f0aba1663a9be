/**
 * `evd cloud` verbs against the emulators: status / pause / resume through the real
 * @aws-sdk/client-scheduler (the in-repo Scheduler wire server), trigger, history, dlq list/redrive.
 * The verbs sign as the operator (the stack's operator policy) of a registered test deployment.
 */
import assert from "node:assert/strict";
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { before, describe, it } from "node:test";
import { DynamoHistoryStore } from "../../../shared/aws/dynamo-history-store.ts";
import { DynamoJobStore } from "../../../shared/aws/dynamo-job-store.ts";
import { tableRef } from "../../../shared/aws/dynamo-document.ts";
import type { CloudContext } from "../../../local/cli/commands/cloud.ts";
import { runCloudCli, type CloudCliRun } from "../../harness/cloud-cli.ts";
import { manualEventId } from "../../../shared/events/event-id.ts";
import { jobIdOf } from "../../../shared/events/event.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { connection, createTestQueues, createTestTable, type TestQueues } from "../../harness/aws-resources.ts";
import { componentConnectionOf, type AwsTestEnv } from "../../harness/aws-env.ts";
import { startAwsEndpoint } from "../../harness/aws-endpoint.ts";
import { Component, credentialsFor } from "../../harness/aws-identity.ts";
import { runEvd } from "../../harness/run-evd.ts";
import { newDeploymentId, registerDeployment, schedulerRoleArnOf } from "../../harness/deployments.ts";
import { deleteMessages, receiveAll } from "../../harness/lambda-events.ts";

/** The stack the verbs operate: two schedules, a manual source. Its schedule group is its name. */
const STACK = "EvdCliTest";
const CLI_CONFIG = {
  cloud: { stack_name: STACK },
  sources: [
    { type: "schedule", name: "evd-weekly-review", cron: "0 9 * * MON", timezone: "Europe/Paris", handler: "review" },
    { type: "schedule", name: "evd-every-4h", cron: "0 */4 * * *", handler: "review" },
    { type: "manual", handler: "review" },
  ],
  handlers: { review: { prompt: "Review {payload.pr}" }, h: { prompt: "h" } },
};

/** The job `evd cloud trigger --handler <handler> --id <id>` sends: its event id is namespaced as manual. */
const triggeredJobId = (id: string, handler = "review") => jobIdOf(manualEventId(id), handler);

export function cloudCliSuite(env: () => Promise<AwsTestEnv>): void {
  describe("evd cloud (CLI) against the emulators", () => {
    let scheduler: SchedulerClient;
    let queues: TestQueues;
    let tableName: string;
    let e: AwsTestEnv;
    const id = newDeploymentId();
    const as = (service: "sqs" | "dynamodb" | "scheduler") => componentConnectionOf(e, service, Component.CLI, id);

    before(async () => {
      e = await env();
      scheduler = new SchedulerClient(connection(e, "scheduler"));
      queues = await createTestQueues(e, { maxReceiveCount: 1 });
      tableName = (await createTestTable(e)).tableName;
      const nameOf = (url: string) => new URL(url).pathname.split("/").filter(Boolean).at(-1)!;
      const deployment = registerDeployment({
        id,
        config: CLI_CONFIG,
        tableName,
        queueName: nameOf(queues.queueUrl),
        dlqName: nameOf(queues.dlqUrl),
      });
      // The stack's schedule group (Scheduler refuses a schedule in a group that does not exist).
      await scheduler.send(new CreateScheduleGroupCommand({ Name: STACK }));
      for (const [name, expr, tz] of [
        ["evd-weekly-review", "cron(0 9 ? * MON *)", "Europe/Paris"],
        ["evd-every-4h", "cron(0 */4 * * ? *)", "UTC"],
      ] as const) {
        await scheduler.send(
          new CreateScheduleCommand({
            Name: name,
            GroupName: STACK,
            ScheduleExpression: expr,
            ScheduleExpressionTimezone: tz,
            State: "ENABLED",
            FlexibleTimeWindow: { Mode: "OFF" },
            Target: {
              Arn: `arn:aws:sqs:us-east-1:123456789012:${deployment.queueName}`,
              RoleArn: schedulerRoleArnOf(deployment),
              Input: JSON.stringify({
                kind: "schedule",
                schedule: name,
                scheduled_time: "<aws.scheduler.scheduled-time>",
              }),
              RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
            },
          }),
        );
      }
    });

    async function cli(args: string[]): Promise<CloudCliRun> {
      const context = async (): Promise<CloudContext> => ({
        resources: { tableName, queueUrl: queues.queueUrl, dlqUrl: queues.dlqUrl, scheduleGroup: STACK },
        sqs: () => new SQSClient(as("sqs")),
        scheduler: () => new SchedulerClient(as("scheduler")),
        table: (name) => tableRef(name, as("dynamodb")),
      });
      return runCloudCli(args, context);
    }

    it("status lists schedules with state, expression and timezone, and the queue depths", async () => {
      const r = await cli(["status", "--schedule-prefix", "evd-"]);
      assert.equal(r.code, 0, r.err.join("\n"));
      const text = r.out.join("\n");
      assert.match(text, /schedules \(2\)/);
      assert.match(text, /evd-weekly-review\s+ENABLED\s+cron\(0 9 \? \* MON \*\)\s+Europe\/Paris/);
      assert.match(text, /queue: 0 waiting/);
      assert.match(text, /dlq: 0 waiting/);
    });

    it("pause and resume change only the state: the rest of the definition is kept", async () => {
      assert.equal((await cli(["pause", "evd-weekly-review"])).code, 0);
      let s = await scheduler.send(new GetScheduleCommand({ Name: "evd-weekly-review", GroupName: STACK }));
      assert.equal(s.State, "DISABLED");
      assert.equal(s.ScheduleExpressionTimezone, "Europe/Paris");
      assert.equal(s.Target?.RetryPolicy?.MaximumRetryAttempts, 3);
      assert.match(s.Target?.Input ?? "", /aws\.scheduler\.scheduled-time/);
      assert.equal((await cli(["resume", "evd-weekly-review"])).code, 0);
      s = await scheduler.send(new GetScheduleCommand({ Name: "evd-weekly-review", GroupName: STACK }));
      assert.equal(s.State, "ENABLED");
      const missing = await cli(["pause", "nope"]);
      assert.equal(missing.code, 1);
      assert.match(missing.err.join(""), /no schedule named "nope" in group "EvdCliTest"/);
    });

    it("trigger sends one job; the same --id twice is a duplicate", async () => {
      const first = await cli(["trigger", "--handler", "review", "--payload", '{"pr":5}', "--id", "manual-1"]);
      assert.equal(first.code, 0, first.err.join("\n"));
      assert.deepEqual(JSON.parse(first.out[0]!), {
        status: "accepted",
        event_id: manualEventId("manual-1"),
        jobs: [triggeredJobId("manual-1")],
      });
      const again = await cli(["trigger", "--handler", "review", "--id", "manual-1"]);
      assert.equal(JSON.parse(again.out[0]!).status, "duplicate");
      const msgs = await receiveAll(queues.sqs, queues.queueUrl);
      assert.equal(msgs.length, 1);
      assert.deepEqual(JSON.parse(msgs[0]!.Body!).event.payload, { pr: 5 });
      const bad = await cli(["trigger", "--handler", "review", "--payload", "[1]"]);
      assert.equal(bad.code, 2);
      assert.match(bad.err.join(""), /--payload must be a JSON object/);
    });

    it("trigger that the queue refuses leaves no event record: the same --id goes through once the queue is back", async () => {
      const name = new URL(queues.queueUrl).pathname.split("/").at(-1)!;
      await queues.sqs.send(new DeleteQueueCommand({ QueueUrl: queues.queueUrl }));
      try {
        const refused = await cli(["trigger", "--handler", "review", "--id", "manual-2"]);
        assert.equal(refused.code, 1);
        assert.match(refused.err.join(""), /queue refused/);
      } finally {
        await queues.sqs.send(
          new CreateQueueCommand({
            QueueName: name,
            Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queues.dlqArn, maxReceiveCount: 1 }) },
          }),
        );
      }
      const retried = await cli(["trigger", "--handler", "review", "--id", "manual-2"]);
      assert.equal(JSON.parse(retried.out[0]!).status, "accepted", "not swallowed as a duplicate");
      assert.deepEqual(
        (await receiveAll(queues.sqs, queues.queueUrl)).map((m) => JSON.parse(m.Body!).id),
        [triggeredJobId("manual-2")],
      );
    });

    it("status --stack NAME finds every resource from the stack's outputs, run as a user runs it", async () => {
      const endpoint = await startAwsEndpoint({
        routes: { sqs: e.endpoints.sqs, dynamodb: e.endpoints.dynamodb, scheduler: e.endpoints.scheduler },
        stacks: new Map([
          [
            STACK,
            {
              QueueUrl: queues.queueUrl,
              DlqUrl: queues.dlqUrl,
              TableName: tableName,
              ScheduleGroup: STACK,
              ScheduleNames: "evd-weekly-review,evd-every-4h",
            },
          ],
        ]),
      });
      try {
        const r = await runEvd(["cloud", "status", "--stack", STACK], {
          AWS_ENDPOINT_URL: endpoint.endpoint,
          AWS_REGION: e.region,
          AWS_ACCESS_KEY_ID: credentialsFor(Component.CLI, id).accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentialsFor(Component.CLI, id).secretAccessKey,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /schedules \(2\)/);
        assert.match(r.stdout, /evd-every-4h\s+ENABLED/);
        assert.match(r.stdout, /queue: \d+ waiting/);
        assert.deepEqual(endpoint.cloudFormationRegions, [e.region]);
      } finally {
        await endpoint.stop();
      }
    });

    it("replay re-runs logged events as new jobs, by handler, time and the status of their latest run", async () => {
      // From the first of these triggers on (the CLI stamps events with this process's clock): the
      // events the tests above triggered (manual-1, manual-2, also for "review") are older.
      const start = new Date().toISOString();
      for (const [id, handler] of [
        ["r-1", "review"],
        ["r-2", "review"],
        ["r-3", "h"],
      ] as const)
        assert.equal((await cli(["trigger", "--handler", handler, "--id", id])).code, 0);
      await deleteMessages(queues.sqs, queues.queueUrl, await receiveAll(queues.sqs, queues.queueUrl));
      const r1 = triggeredJobId("r-1");
      const r2 = triggeredJobId("r-2");
      const jobs = new DynamoJobStore({ table: tableRef(tableName, connection(e, "dynamodb")) });
      const now = Date.now();
      assert.equal((await jobs.claim(r1, 60_000, now)).kind, "claimed");
      const failed = {
        event_id: manualEventId("r-1"),
        success: false,
        actions_taken: [],
        output: null,
        status: "failed" as const,
        error: "boom",
      };
      await jobs.fail(r1, failed, now);
      assert.equal((await jobs.claim(r2, 60_000, now)).kind, "claimed");
      await jobs.complete(r2, { ...failed, event_id: manualEventId("r-2"), success: true, status: "succeeded" }, now);

      const onlyFailed = await cli(["replay", "--status", "failed", "--since", "1h"]);
      assert.equal(onlyFailed.code, 0, onlyFailed.err.join("\n"));
      assert.deepEqual(onlyFailed.out, ["replayed 1 job(s)", `  ${r1}#replay-1  (replay of ${r1})`]);
      const sent = await receiveAll(queues.sqs, queues.queueUrl);
      assert.deepEqual(
        sent
          .map((m) => JSON.parse(m.Body!) as { id: string; replay_of: string; event: { id: string } })
          .map((j) => [j.id, j.replay_of, j.event.id]),
        [[`${r1}#replay-1`, r1, manualEventId("r-1")]],
      );
      await deleteMessages(queues.sqs, queues.queueUrl, sent);

      // The replay has not run yet: its pair's latest run matches no status.
      assert.deepEqual((await cli(["replay", "--status", "failed"])).out, ["replayed 0 job(s)"]);
      const byHandler = await cli(["replay", "--handler", "review", "--since", start]);
      assert.deepEqual(byHandler.out.slice(1).sort(), [
        `  ${r1}#replay-2  (replay of ${r1})`,
        `  ${r2}#replay-1  (replay of ${r2})`,
      ]);
      await deleteMessages(queues.sqs, queues.queueUrl, await receiveAll(queues.sqs, queues.queueUrl));
      assert.deepEqual((await cli(["replay", "--since", new Date(Date.now() + 60_000).toISOString()])).out, [
        "replayed 0 job(s)",
      ]);
      const bad = await cli(["replay", "--since", "yesterday-ish"]);
      assert.equal(bad.code, 2);
      assert.match(bad.err.join(""), /--since: "yesterday-ish"/);
    });

    it("history prints runs newest first", async () => {
      const store = new DynamoHistoryStore({
        table: tableRef(tableName, connection(e, "dynamodb")),
        clock: systemClock,
      });
      await store.append({
        event_id: "a",
        job_id: "a#h",
        handler: "h",
        success: true,
        actions_taken: [],
        output: null,
        error: null,
        status: "succeeded",
        started_at: "2026-01-01T00:00:00.000Z",
      });
      await store.append({
        event_id: "b",
        job_id: "b#h",
        handler: "h",
        success: false,
        actions_taken: [],
        output: null,
        error: null,
        status: "failed",
        started_at: "2026-01-02T00:00:00.000Z",
      });
      const r = await cli(["history", "--limit", "5"]);
      assert.deepEqual(
        r.out.map((l) => JSON.parse(l).job_id),
        ["b#h", "a#h"],
      );
      const failed = await cli(["history", "--status", "failed"]);
      assert.deepEqual(
        failed.out.map((l) => JSON.parse(l).job_id),
        ["b#h"],
      );
      assert.equal((await cli(["history", "--limit", "0"])).code, 2);
    });

    it("dlq list shows dead letters and dlq redrive --resend puts them back", async () => {
      const job = {
        id: "dead-1#review",
        handler: "review",
        event: { id: "dead-1", type: "manual", source: "cli", payload: {}, timestamp: new Date().toISOString() },
        attempt: 1,
        enqueued_at: new Date().toISOString(),
      };
      await queues.sqs.send(new SendMessageCommand({ QueueUrl: queues.dlqUrl, MessageBody: JSON.stringify(job) }));
      const list = await cli(["dlq", "list"]);
      assert.equal(list.code, 0, list.err.join("\n"));
      assert.deepEqual(
        list.out.map((l) => JSON.parse(l).jobId),
        ["dead-1#review"],
      );
      const r = await cli(["dlq", "redrive", "--resend"]);
      assert.deepEqual(r.out, ["redrove 1 message(s)"]);
      const back = await receiveAll(queues.sqs, queues.queueUrl);
      assert.deepEqual(
        back.map((m) => JSON.parse(m.Body!).id),
        ["dead-1#review"],
      );
      assert.equal((await cli(["dlq", "list"])).out.length, 0);
    });
  });
}
