/**
 * `evd cloud` verbs against the emulators: status / pause / resume through the real
 * @aws-sdk/client-scheduler (the in-repo Scheduler wire server), trigger, history, dlq list/redrive.
 */
import assert from "node:assert/strict";
import { CreateScheduleCommand, GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Command } from "commander";
import { before, describe, it } from "node:test";
import { DynamoHistoryStore } from "../../../shared/aws/dynamo-history-store.ts";
import { tableRef } from "../../../shared/aws/dynamo-document.ts";
import { cloudCommand, type CloudContext } from "../../../local/cli/commands/cloud.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { connection, createTestQueues, createTestTable, type TestQueues } from "../../harness/aws-resources.ts";
import type { AwsTestEnv } from "../../harness/aws-env.ts";
import { receiveAll } from "../../harness/lambda-events.ts";

export function cloudCliSuite(env: () => Promise<AwsTestEnv>): void {
  describe("evd cloud (CLI) against the emulators", () => {
    let scheduler: SchedulerClient;
    let queues: TestQueues;
    let tableName: string;
    let e: AwsTestEnv;

    before(async () => {
      e = await env();
      scheduler = new SchedulerClient(connection(e, "scheduler"));
      queues = await createTestQueues(e, { maxReceiveCount: 1 });
      tableName = (await createTestTable(e)).tableName;
      for (const [name, expr, tz] of [
        ["evd-weekly-review", "cron(0 9 ? * MON *)", "Europe/Paris"],
        ["evd-every-4h", "cron(0 */4 * * ? *)", "UTC"],
      ] as const) {
        await scheduler.send(
          new CreateScheduleCommand({
            Name: name,
            ScheduleExpression: expr,
            ScheduleExpressionTimezone: tz,
            State: "ENABLED",
            FlexibleTimeWindow: { Mode: "OFF" },
            Target: {
              Arn: "arn:aws:sqs:us-east-1:123456789012:evd-jobs",
              RoleArn: "arn:aws:iam::123456789012:role/evd-scheduler",
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

    async function cli(args: string[]): Promise<{ out: string[]; err: string[]; code: number }> {
      const out: string[] = [];
      const err: string[] = [];
      const context = async (): Promise<CloudContext> => ({
        resources: { tableName, queueUrl: queues.queueUrl, dlqUrl: queues.dlqUrl },
        sqs: () => new SQSClient(connection(e, "sqs")),
        scheduler: () => scheduler,
        table: (name) => tableRef(name, connection(e, "dynamodb")),
      });
      const program = new Command("evd")
        .exitOverride()
        .addCommand(cloudCommand({ env: {}, out: (l) => out.push(l), err: (l) => err.push(l), context }));
      const before = process.exitCode;
      process.exitCode = 0;
      await program.parseAsync(["node", "evd", "cloud", ...args]);
      const code = Number(process.exitCode ?? 0);
      process.exitCode = before;
      return { out, err, code };
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
      let s = await scheduler.send(new GetScheduleCommand({ Name: "evd-weekly-review" }));
      assert.equal(s.State, "DISABLED");
      assert.equal(s.ScheduleExpressionTimezone, "Europe/Paris");
      assert.equal(s.Target?.RetryPolicy?.MaximumRetryAttempts, 3);
      assert.match(s.Target?.Input ?? "", /aws\.scheduler\.scheduled-time/);
      assert.equal((await cli(["resume", "evd-weekly-review"])).code, 0);
      s = await scheduler.send(new GetScheduleCommand({ Name: "evd-weekly-review" }));
      assert.equal(s.State, "ENABLED");
      const missing = await cli(["pause", "nope"]);
      assert.equal(missing.code, 1);
      assert.match(missing.err.join(""), /no schedule named "nope"/);
    });

    it("trigger sends one job; the same --id twice is a duplicate", async () => {
      const first = await cli(["trigger", "--handler", "review", "--payload", '{"pr":5}', "--id", "manual-1"]);
      assert.equal(first.code, 0, first.err.join("\n"));
      assert.deepEqual(JSON.parse(first.out[0]!), {
        status: "accepted",
        event_id: "manual-1",
        jobs: ["manual-1#review"],
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
