/**
 * JobQueue on SQS + DynamoDB. `submit`:
 * 1. records the event with a conditional put (the event log item: ingest dedupe and replay source);
 *    an event seen before answers "duplicate" and sends nothing;
 * 2. notes the newest job per concurrency key (for `on_new: supersede`);
 * 3. sends the jobs with SendMessageBatch in chunks of 10, retrying the entries SQS refused.
 * If sending still fails, the event record is deleted and EnqueueError thrown: ingest answers 503
 * and GitHub's redelivery is not swallowed as a duplicate.
 */
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Event, Job } from "../events/event.ts";
import type { Clock } from "../ports/clock.ts";
import type { JobQueue, SubmitOutcome } from "../ports/job-queue.ts";
import type { ConcurrencyLease } from "./concurrency-lease.ts";
import type { TableRef } from "./dynamo-document.ts";
import { EnqueueError, isConditionalCheckFailed } from "./errors.ts";
import { DEFAULT_RETENTION, ItemKind, eventGsi1, eventKey, expiresAt } from "./table-layout.ts";

export const SQS_BATCH_LIMIT = 10;

export interface SqsJobQueueOptions {
  readonly table: TableRef;
  readonly sqs: () => SQSClient;
  readonly queueUrl: string;
  readonly clock: Clock;
  /** Notes the newest job per concurrency key; omitted = no supersede bookkeeping. */
  readonly leases?: ConcurrencyLease;
  /** Days the event log item is kept. @default 30 */
  readonly eventRetentionDays?: number;
  /** Extra tries for the entries of a batch SQS refused. @default 3 */
  readonly sendRetries?: number;
  /**
   * Backpressure (`queue_overflow` / `queue_capacity`): with `error` or `drop`, each submit reads
   * the queue's ApproximateNumberOfMessages first (one GetQueueAttributes call) and refuses (429)
   * or drops the event when it is at `limit`. `queue` (default) never checks: SQS has no bound.
   */
  readonly overflow?: { readonly policy: "queue" | "drop" | "error"; readonly limit: number };
}

/** The message attributes every job message carries (for DLQ listings without parsing bodies). */
export function jobMessageAttributes(job: Job) {
  return {
    "evd-job-id": { DataType: "String", StringValue: job.id },
    "evd-handler": { DataType: "String", StringValue: job.handler },
  } as const;
}

export class SqsJobQueue implements JobQueue {
  readonly #o: SqsJobQueueOptions;

  constructor(options: SqsJobQueueOptions) {
    this.#o = options;
  }

  async submit(event: Event, jobs: readonly Job[]): Promise<SubmitOutcome> {
    const { table, clock } = this.#o;
    const now = clock.now();
    const receivedAt = new Date(now).toISOString();
    const jobIds = jobs.map((j) => j.id);
    const full = await this.#full();
    if (full && this.#o.overflow?.policy === "error") return { kind: "rejected", reason: full };
    const dropped = full !== undefined;
    try {
      await table.doc().send(
        new PutCommand({
          TableName: table.tableName,
          Item: {
            ...eventKey(event.id),
            ...eventGsi1(event.id, receivedAt),
            kind: ItemKind.EVENT,
            event_id: event.id,
            event,
            job_ids: jobIds,
            received_at: receivedAt,
            ...(dropped ? { dropped_reason: full } : {}),
            expires_at: expiresAt(now, this.#o.eventRetentionDays ?? DEFAULT_RETENTION.eventDays),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err))
        throw new EnqueueError(`recording event "${event.id}" failed: ${(err as Error).message}`, { cause: err });
      const seen = await table
        .doc()
        .send(new GetCommand({ TableName: table.tableName, Key: eventKey(event.id), ConsistentRead: true }));
      return { kind: "duplicate", jobIds: (seen.Item?.job_ids as string[] | undefined) ?? jobIds };
    }
    if (dropped) return { kind: "dropped", jobIds, reason: full };
    try {
      if (this.#o.leases) {
        for (const job of jobs) {
          if (job.concurrency_key !== undefined)
            await this.#o.leases.noteLatest(job.handler, job.concurrency_key, job.id, job.enqueued_at, now);
        }
      }
      await this.send(jobs);
    } catch (err) {
      await table
        .doc()
        .send(new DeleteCommand({ TableName: table.tableName, Key: eventKey(event.id) }))
        .catch(() => undefined);
      throw err instanceof EnqueueError
        ? err
        : new EnqueueError(`enqueueing event "${event.id}" failed: ${(err as Error).message}`, { cause: err });
    }
    return { kind: "accepted", jobIds };
  }

  /** A reason when the overflow policy applies and the queue is at its limit. */
  async #full(): Promise<string | undefined> {
    const o = this.#o.overflow;
    if (!o || o.policy === "queue") return undefined;
    const out = await this.#o
      .sqs()
      .send(
        new GetQueueAttributesCommand({ QueueUrl: this.#o.queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
      );
    const depth = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
    return depth >= o.limit ? `queue full: ${depth} jobs waiting (queue_capacity ${o.limit})` : undefined;
  }

  /** Sends jobs to the queue (chunks of 10, refused entries retried); used by submit, trigger and redrive. */
  async send(jobs: readonly Job[], opts: { delaySeconds?: number } = {}): Promise<void> {
    for (let i = 0; i < jobs.length; i += SQS_BATCH_LIMIT) {
      const chunk = jobs.slice(i, i + SQS_BATCH_LIMIT);
      let entries: SendMessageBatchRequestEntry[] = chunk.map((job, n) => ({
        Id: String(n),
        MessageBody: JSON.stringify(job),
        MessageAttributes: jobMessageAttributes(job),
        ...(opts.delaySeconds ? { DelaySeconds: opts.delaySeconds } : {}),
      }));
      const tries = 1 + (this.#o.sendRetries ?? 3);
      for (let attempt = 1; entries.length > 0; attempt++) {
        const out = await this.#o
          .sqs()
          .send(new SendMessageBatchCommand({ QueueUrl: this.#o.queueUrl, Entries: entries }));
        const failed = out.Failed ?? [];
        if (failed.length === 0) break;
        if (attempt >= tries || failed.some((f) => f.SenderFault)) {
          const first = failed[0]!;
          throw new EnqueueError(
            `SQS refused ${failed.length} of ${chunk.length} job message(s): ${first.Code ?? "error"} ${first.Message ?? ""}`.trim(),
          );
        }
        const ids = new Set(failed.map((f) => f.Id));
        entries = entries.filter((e) => ids.has(e.Id));
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }
}
