/**
 * The product's emulators with the real SDK clients: SQS counts receives as SQS does, Secrets
 * Manager keeps the previous version through a rotation, the schedule clock fires what is enabled.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CreateScheduleCommand, SchedulerClient, UpdateScheduleCommand } from "@aws-sdk/client-scheduler";
import { startSqsEmulator } from "../../../local/cloud-local/emulators/sqs-emulator.ts";
import { startSecretsServer } from "../../../local/cloud-local/emulators/secrets-emulator.ts";
import { schedulerEmulator } from "../../../local/cloud-local/emulators/scheduler-emulator.ts";
import { serveHandler, type RunningServer } from "../../../local/cloud-local/emulators/http-service.ts";
import { ScheduleClock } from "../../../local/cloud-local/schedules/schedule-clock.ts";
import { waitFor } from "../../harness/wait-for.ts";

const conn = (endpoint: string) => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "t", secretAccessKey: "t" },
});

describe("the SQS emulator", () => {
  let server: RunningServer;
  let sqs: SQSClient;
  before(async () => {
    server = await startSqsEmulator();
    sqs = new SQSClient(conn(server.endpoint));
  });
  after(async () => {
    sqs.destroy();
    await server.stop();
  });

  it("counts receives only: setting a retry delay (ChangeMessageVisibility) is not a receive", async () => {
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: "counts-dlq" }))).QueueUrl!;
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ["QueueArn"] })))
      .Attributes!.QueueArn!;
    const queue = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: "counts",
          Attributes: {
            VisibilityTimeout: "600",
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
          },
        }),
      )
    ).QueueUrl!;
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: "job" }));
    const counts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const m = (
        await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, WaitTimeSeconds: 0, AttributeNames: ["All"] }))
      ).Messages?.[0];
      assert.ok(m, `receive ${i + 1} got the message (it was not moved to the DLQ early)`);
      counts.push(m.Attributes!.ApproximateReceiveCount!);
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queue, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }),
      );
    }
    assert.deepEqual(counts, ["1", "2", "3"]);
  });
});

describe("the Secrets Manager emulator", () => {
  it("finds a secret by name, ARN or partial ARN and keeps AWSPREVIOUS through PutSecretValue", async () => {
    const server = await startSecretsServer();
    const sm = new SecretsManagerClient(conn(server.endpoint));
    try {
      const { ARN } = await sm.send(new CreateSecretCommand({ Name: "evd/hook", SecretString: "old" }));
      assert.match(ARN!, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:evd\/hook-[A-Za-z0-9]{6}$/);
      await sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: "new" }));
      for (const id of ["evd/hook", ARN!, ARN!.slice(0, -7)])
        assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: id }))).SecretString, "new", id);
      assert.equal(
        (await sm.send(new GetSecretValueCommand({ SecretId: "evd/hook", VersionStage: "AWSPREVIOUS" }))).SecretString,
        "old",
      );
      await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: "evd/none" })), {
        name: "ResourceNotFoundException",
      });
    } finally {
      sm.destroy();
      await server.stop();
    }
  });
});

describe("the schedule clock", () => {
  it("fires an enabled schedule at its time with its input, and not a paused one", async () => {
    const sqsServer = await startSqsEmulator();
    const emulator = schedulerEmulator();
    const scheduler = await serveHandler(emulator.handler);
    const sqs = new SQSClient(conn(sqsServer.endpoint));
    const client = new SchedulerClient(conn(scheduler.endpoint));
    // A clock 58 s ahead of real time: the minute's cron firing is about 2 s of real time away.
    const offset = 60_000 - (Date.now() % 60_000) - 2_000;
    const now = () => new Date(Date.now() + offset);
    const clock = new ScheduleClock({ emulator, targets: { sqs }, log: () => undefined, now });
    try {
      const queue = (await sqs.send(new CreateQueueCommand({ QueueName: "fired" }))).QueueUrl!;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ["QueueArn"] })))
        .Attributes!.QueueArn!;
      const definition = (name: string, state: "ENABLED" | "DISABLED") => ({
        Name: name,
        ScheduleExpression: "cron(* * * * ? *)",
        FlexibleTimeWindow: { Mode: "OFF" as const },
        State: state,
        Target: {
          Arn: arn,
          RoleArn: "arn:aws:iam::123456789012:role/s",
          Input: `{"name":"${name}","at":"<aws.scheduler.scheduled-time>"}`,
        },
      });
      await client.send(new CreateScheduleCommand(definition("every-minute", "ENABLED")));
      await client.send(new CreateScheduleCommand(definition("paused", "ENABLED")));
      await client.send(new UpdateScheduleCommand(definition("paused", "DISABLED")));
      clock.start();
      const expected = new Date(Math.ceil(now().getTime() / 60_000) * 60_000).toISOString().slice(0, 19) + "Z";
      const bodies = await waitFor(
        async () => {
          const out = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: queue, WaitTimeSeconds: 0, MaxNumberOfMessages: 10 }),
          );
          return out.Messages?.length ? out.Messages.map((m) => m.Body!) : undefined;
        },
        "the firing on the queue",
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      assert.deepEqual(bodies, [`{"name":"every-minute","at":"${expected}"}`]);
      assert.equal(clock.plan().find((p) => p.name === "paused")?.next, null);
    } finally {
      await clock.stop();
      sqs.destroy();
      client.destroy();
      await scheduler.stop();
      await sqsServer.stop();
    }
  });
});
