/**
 * Every SQS write of the job path goes through here: job messages (in batches that respect SQS's
 * 10 entries and 256 KiB per request, the entries SQS refused retried; a job whose message would
 * pass 256 KiB has its event put in the payload bucket and carries a reference), a delayed re-offer,
 * a visibility change (the runner's retry delay), a dead letter with its reason, and the resend of
 * messages as they are (redrive). Bodies and attributes come from the codec (job-message.ts).
 */
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Job } from "../events/event.ts";
import { EnqueueError } from "./errors.ts";
import type { PayloadRef, S3PayloadStore } from "./payload-store.ts";
import {
  deadLetterAttributes,
  encodeJobMessage,
  messageBytes,
  SQS_BATCH_LIMIT,
  SQS_MAX_DELAY_SECONDS,
  SQS_MAX_VISIBILITY_SECONDS,
  SQS_MESSAGE_LIMIT_BYTES,
  type EncodedJobMessage,
} from "./job-message.ts";

export interface SqsJobSenderOptions {
  readonly sqs: () => SQSClient;
  readonly queueUrl: string;
  /** Where the runner sends what can never succeed. */
  readonly dlqUrl?: string;
  /** Extra tries for the entries of a batch SQS refused. @default 3 */
  readonly sendRetries?: number;
  /** Wait before retry n of refused entries. @default 50 ms * 2^n */
  readonly retryDelayMs?: (n: number) => number;
  /** Where the event of a job too large for a message goes (claim check). @default none: SQS refuses such a job */
  readonly payloads?: S3PayloadStore;
}

function clamp(seconds: number, max: number): number {
  return Math.min(max, Math.max(0, Math.ceil(seconds)));
}

export class SqsJobSender {
  readonly #o: SqsJobSenderOptions;

  constructor(options: SqsJobSenderOptions) {
    this.#o = options;
  }

  get queueUrl(): string {
    return this.#o.queueUrl;
  }

  get dlqUrl(): string | undefined {
    return this.#o.dlqUrl;
  }

  /** Sends jobs (a delay of at most 15 min); resolves when SQS took every one, else throws EnqueueError. */
  async send(jobs: readonly Job[], opts: { delaySeconds?: number } = {}): Promise<void> {
    const delay = opts.delaySeconds ? clamp(opts.delaySeconds, SQS_MAX_DELAY_SECONDS) : 0;
    await this.sendEncoded(await this.#encode(jobs), this.#o.queueUrl, delay);
  }

  /** The messages of the jobs; an event too large for a message goes to the payload bucket, once per event. */
  async #encode(jobs: readonly Job[]): Promise<EncodedJobMessage[]> {
    const refs = new Map<string, Promise<PayloadRef>>();
    return Promise.all(
      jobs.map(async (job) => {
        const plain = encodeJobMessage(job);
        const payloads = this.#o.payloads;
        if (messageBytes(plain) <= SQS_MESSAGE_LIMIT_BYTES || !payloads) return plain;
        let ref = refs.get(job.event.id);
        if (!ref) {
          ref = payloads.putEvent(job.event);
          refs.set(job.event.id, ref);
        }
        try {
          return encodeJobMessage(job, await ref);
        } catch (err) {
          throw new EnqueueError(`job "${job.id}": ${(err as Error).message}`, { cause: err });
        }
      }),
    );
  }

  /** Sends encoded messages as they are (redrive's resend); same batching and retries as `send`. */
  async sendEncoded(messages: readonly EncodedJobMessage[], queueUrl: string, delaySeconds = 0): Promise<void> {
    for (const chunk of batches(messages)) {
      let entries: SendMessageBatchRequestEntry[] = chunk.map((m, n) => ({
        Id: String(n),
        MessageBody: m.body,
        MessageAttributes: m.attributes,
        ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}),
      }));
      const tries = 1 + (this.#o.sendRetries ?? 3);
      for (let attempt = 1; entries.length > 0; attempt++) {
        let out;
        try {
          out = await this.#o.sqs().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        } catch (err) {
          throw new EnqueueError(`sending ${entries.length} job message(s) failed: ${(err as Error).message}`, {
            cause: err,
          });
        }
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
        await new Promise((r) => setTimeout(r, this.#o.retryDelayMs?.(attempt) ?? 50 * 2 ** attempt));
      }
    }
  }

  /** Sends one job alone (the bridge: one acknowledgement per job); errors are the SDK's, for classifySqsError. */
  async sendOne(job: Job): Promise<void> {
    const [m] = await this.#encode([job]);
    await this.#o
      .sqs()
      .send(
        new SendMessageCommand({ QueueUrl: this.#o.queueUrl, MessageBody: m!.body, MessageAttributes: m!.attributes }),
      );
  }

  /** The received message with this receipt handle becomes visible again in `seconds` (at most 12 h). */
  async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    await this.#o.sqs().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.#o.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: clamp(seconds, SQS_MAX_VISIBILITY_SECONDS),
      }),
    );
  }

  /** Puts a message body on the DLQ with the reason (the caller then deletes the original). */
  async deadLetter(body: string, job: Pick<Job, "id" | "handler"> | undefined, reason: string): Promise<void> {
    if (!this.#o.dlqUrl) throw new EnqueueError("no dead-letter queue is configured");
    await this.#o.sqs().send(
      new SendMessageCommand({
        QueueUrl: this.#o.dlqUrl,
        MessageBody: body,
        MessageAttributes: deadLetterAttributes(job, reason),
      }),
    );
  }
}

/** Groups messages into SendMessageBatch requests: at most 10 entries and 256 KiB each. */
export function batches(messages: readonly EncodedJobMessage[]): EncodedJobMessage[][] {
  const out: EncodedJobMessage[][] = [];
  let current: EncodedJobMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m);
    if (size > SQS_MESSAGE_LIMIT_BYTES) {
      throw new EnqueueError(`a job message of ${size} bytes is over SQS's limit of ${SQS_MESSAGE_LIMIT_BYTES} bytes`);
    }
    if (current.length === SQS_BATCH_LIMIT || bytes + size > SQS_MESSAGE_LIMIT_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}
