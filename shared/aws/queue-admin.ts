/** SQS operations behind `evd cloud status|trigger|dlq`: depth, DLQ listing, redrive. */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { AwsAdapterError } from "./errors.ts";
import { JobMessageAttribute, type EncodedJobMessage } from "./job-message.ts";
import { SqsJobSender } from "./sqs-job-sender.ts";

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new AwsAdapterError(`queue ${queueUrl} has no QueueArn attribute`);
  return arn;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly jobId?: string;
  readonly handler?: string;
  readonly eventId?: string;
  readonly receiveCount: number;
  readonly sentAt?: string;
  /** Set when the runner sent it here itself (permanent failure). */
  readonly reason?: string;
}

function describe(m: {
  MessageId?: string;
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { StringValue?: string }>;
}): DeadLetter {
  let job: { id?: unknown; handler?: unknown; event?: { id?: unknown } } = {};
  try {
    job = JSON.parse(m.Body ?? "{}") as typeof job;
  } catch {
    /* not a job body: listed by id only */
  }
  const sent = m.Attributes?.SentTimestamp;
  return {
    messageId: m.MessageId ?? "",
    ...(typeof job.id === "string" ? { jobId: job.id } : {}),
    ...(typeof job.handler === "string" ? { handler: job.handler } : {}),
    ...(typeof job.event?.id === "string" ? { eventId: job.event.id } : {}),
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
    ...(sent ? { sentAt: new Date(Number(sent)).toISOString() } : {}),
    ...(m.MessageAttributes?.[JobMessageAttribute.FAILURE]?.StringValue
      ? { reason: m.MessageAttributes[JobMessageAttribute.FAILURE]!.StringValue }
      : {}),
  };
}

/**
 * Peeks at up to `max` DLQ messages: received with a zero visibility timeout and not deleted, so
 * they stay available to a redrive right after the listing (a move task skips in-flight messages).
 * SQS may hand the same messages out again: pages are de-duplicated by message id and the listing
 * stops at the first page with nothing new, so a long DLQ may be listed only in part.
 */
export async function listDeadLetters(sqs: SQSClient, dlqUrl: string, max = 10): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  const seen = new Set<string>();
  while (out.length < max) {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - out.length),
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    let fresh = 0;
    for (const m of page.Messages ?? []) {
      if (!m.MessageId || seen.has(m.MessageId) || out.length >= max) continue;
      seen.add(m.MessageId);
      out.push(describe(m));
      fresh++;
    }
    if (fresh === 0) break;
  }
  return out;
}

export type RedriveResult =
  { readonly method: "move-task"; readonly taskHandle: string } | { readonly method: "resend"; readonly moved: number };

/**
 * Moves DLQ messages back to the job queue: StartMessageMoveTask when the endpoint has it, else
 * receive-and-resend (send to the queue first, then delete from the DLQ: a crash in between
 * duplicates a message, which the job store's dedupe absorbs, and never loses one).
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  opts: { dlqUrl: string; queueUrl: string; useMoveTask?: boolean; max?: number },
): Promise<RedriveResult> {
  if (opts.useMoveTask !== false) {
    try {
      const [source, destination] = await Promise.all([queueArn(sqs, opts.dlqUrl), queueArn(sqs, opts.queueUrl)]);
      const task = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: source, DestinationArn: destination }));
      return { method: "move-task", taskHandle: task.TaskHandle ?? "" };
    } catch (err) {
      const name = (err as Error).name;
      if (!/UnsupportedOperation|UnknownOperation|InvalidAction|NotImplemented|InvalidParameterValue/i.test(name))
        throw new AwsAdapterError(`StartMessageMoveTask failed: ${(err as Error).message}`, { cause: err });
    }
  }
  let moved = 0;
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const sender = new SqsJobSender({ sqs: () => sqs, queueUrl: opts.queueUrl });
  while (moved < max) {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.dlqUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ["All"],
      }),
    );
    const msgs = (page.Messages ?? []).slice(0, max - moved);
    if (msgs.length === 0) break;
    // Sent first, deleted after: a failure in between duplicates (the job claim dedupes), never loses.
    try {
      await sender.sendEncoded(msgs.map(redrivenMessage), opts.queueUrl);
    } catch (err) {
      throw new AwsAdapterError(`redrive: ${(err as Error).message}; ${moved} moved so far`, { cause: err });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: opts.dlqUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    moved += msgs.length;
  }
  return { method: "resend", moved };
}

/** A dead letter as it goes back: body and attributes kept, the failure reason dropped. */
function redrivenMessage(m: Message): EncodedJobMessage {
  const attributes = Object.fromEntries(
    Object.entries(m.MessageAttributes ?? {}).filter(([k]) => k !== JobMessageAttribute.FAILURE),
  );
  return { body: m.Body ?? "", attributes };
}

/** The status of move tasks started from this DLQ (newest first). */
export async function moveTaskStatus(
  sqs: SQSClient,
  dlqUrl: string,
): Promise<{ status: string; moved: number; toMove?: number }[]> {
  const out = await sqs.send(
    new ListMessageMoveTasksCommand({ SourceArn: await queueArn(sqs, dlqUrl), MaxResults: 10 }),
  );
  return (out.Results ?? []).map((r) => ({
    status: r.Status ?? "UNKNOWN",
    moved: r.ApproximateNumberOfMessagesMoved ?? 0,
    ...(r.ApproximateNumberOfMessagesToMove !== undefined ? { toMove: r.ApproximateNumberOfMessagesToMove } : {}),
  }));
}
