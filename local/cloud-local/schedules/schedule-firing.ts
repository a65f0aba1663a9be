/**
 * One firing of an EventBridge Scheduler schedule, done the way Scheduler does it: the target's
 * `Input` with the context attributes substituted (`<aws.scheduler.scheduled-time>`,
 * `<aws.scheduler.schedule-arn>`, `<aws.scheduler.execution-id>`,
 * `<aws.scheduler.attempt-number>`), sent to the target. Targets: an SQS queue (SendMessage, with
 * `SqsParameters.MessageGroupId` for FIFO queues) or, in the running `evd cloud local`, a Lambda
 * function (an asynchronous invocation). Used by the schedule clock and by `evd cloud local fire`.
 */
import { randomUUID } from "node:crypto";
import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { CloudLocalError } from "../errors.ts";
import { scheduledTimeText } from "./schedule-expression.ts";

/** The parts of a schedule (GetSchedule's answer) a firing reads. */
export interface FirableSchedule {
  readonly Name?: string;
  readonly Arn?: string;
  readonly Target?: {
    readonly Arn?: string;
    readonly Input?: string;
    readonly SqsParameters?: { readonly MessageGroupId?: string };
  };
}

export interface FiringTargets {
  readonly sqs: SQSClient;
  /** Invokes a function asynchronously; absent where only SQS targets can be reached. */
  readonly invokeFunction?: (arn: string, event: unknown) => Promise<void>;
}

export interface Firing {
  readonly scheduledTime: string;
  readonly target: string;
  readonly body: string;
  readonly messageId?: string;
}

export function firingInput(schedule: FirableSchedule, at: Date, attempt = 1, executionId = randomUUID()): string {
  const input = schedule.Target?.Input ?? "{}";
  return input
    .replaceAll("<aws.scheduler.scheduled-time>", scheduledTimeText(at))
    .replaceAll("<aws.scheduler.schedule-arn>", schedule.Arn ?? "")
    .replaceAll("<aws.scheduler.execution-id>", executionId)
    .replaceAll("<aws.scheduler.attempt-number>", String(attempt));
}

const SQS_ARN = /^arn:[^:]+:sqs:[^:]*:([^:]*):(.+)$/;
const LAMBDA_ARN = /^arn:[^:]+:lambda:/;

export async function deliverFiring(
  schedule: FirableSchedule,
  at: Date,
  targets: FiringTargets,
  attempt = 1,
): Promise<Firing> {
  const arn = schedule.Target?.Arn ?? "";
  const body = firingInput(schedule, at, attempt);
  const scheduledTime = scheduledTimeText(at);
  const sqs = SQS_ARN.exec(arn);
  if (sqs) {
    const { QueueUrl } = await targets.sqs.send(
      new GetQueueUrlCommand({ QueueName: sqs[2]!, ...(sqs[1] ? { QueueOwnerAWSAccountId: sqs[1] } : {}) }),
    );
    const group = schedule.Target?.SqsParameters?.MessageGroupId;
    const sent = await targets.sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: body,
        ...(group ? { MessageGroupId: group, MessageDeduplicationId: randomUUID() } : {}),
      }),
    );
    return { scheduledTime, target: arn, body, ...(sent.MessageId ? { messageId: sent.MessageId } : {}) };
  }
  if (LAMBDA_ARN.test(arn) && targets.invokeFunction) {
    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch {
      event = body;
    }
    await targets.invokeFunction(arn, event);
    return { scheduledTime, target: arn, body };
  }
  throw new CloudLocalError(
    `schedule ${schedule.Name ?? "?"}: target ${arn || "(none)"} is not emulated (SQS queues${targets.invokeFunction ? " and Lambda functions" : ""} are)`,
  );
}
