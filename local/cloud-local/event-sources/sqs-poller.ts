/**
 * The SQS event source mapping: what Lambda's pollers do for a queue -> function mapping of the
 * template. Receive up to `BatchSize` messages (gathering for `MaximumBatchingWindowInSeconds`
 * when the size is above 10), invoke the function synchronously with the SQS event, then delete
 * what succeeded: with ReportBatchItemFailures all but the reported items, else all. A failed or
 * timed-out invocation deletes nothing: the messages come back after their visibility timeout,
 * and after the queue's maxReceiveCount SQS moves them to the DLQ. At most `MaximumConcurrency`
 * batches run at once (Lambda's initial 5 pollers when unset).
 *
 * The emulator's long polls return only once a full batch is collected, so the poller polls
 * short and sleeps until a send reaches the endpoint (`nudge`) or a second passes (messages whose
 * visibility timeout or delay ran out).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { LambdaFunction } from "../lambda/lambda-function.ts";
import { failedItems, sqsEventOf } from "./sqs-records.ts";

export interface SqsMappingSpec {
  readonly logicalId: string;
  readonly uuid: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly fn: LambdaFunction;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly maxConcurrency?: number;
  readonly enabled: boolean;
}

/** Lambda starts SQS event sources with five concurrent pollers. */
export const DEFAULT_POLLERS = 5;
const IDLE_WAKE_MS = 1000;

export class SqsPoller {
  readonly spec: SqsMappingSpec;
  readonly #sqs: SQSClient;
  readonly #region: string;
  readonly #log: (line: string) => void;
  readonly #inFlight = new Set<Promise<void>>();
  #wake: (() => void) | undefined;
  /** A nudge came while no poll was sleeping: the next sleep returns at once. */
  #nudged = false;
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(spec: SqsMappingSpec, sqs: SQSClient, region: string, log: (line: string) => void) {
    this.spec = spec;
    this.#sqs = sqs;
    this.#region = region;
    this.#log = log;
  }

  get concurrency(): number {
    return this.spec.maxConcurrency ?? DEFAULT_POLLERS;
  }

  start(): void {
    if (this.spec.enabled) this.#loop ??= this.#run();
  }

  /** Something may have arrived: poll now instead of at the next idle tick. */
  nudge(): void {
    if (this.#wake) this.#wake();
    else this.#nudged = true;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.nudge();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (this.#inFlight.size >= this.concurrency) {
        await Promise.race(this.#inFlight);
        continue;
      }
      let batch: Message[];
      try {
        batch = await this.#collect();
      } catch (err) {
        if (this.#stopped) break;
        this.#log(`receive failed: ${(err as Error).message}`);
        await this.#sleep();
        continue;
      }
      if (batch.length === 0) {
        await this.#sleep();
        continue;
      }
      const run = this.#invoke(batch).finally(() => this.#inFlight.delete(run));
      this.#inFlight.add(run);
    }
    // Batches still running end with their functions (stopped after the pollers).
  }

  async #receive(max: number): Promise<Message[]> {
    const out = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.spec.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: 0,
        AttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    return out.Messages ?? [];
  }

  async #collect(): Promise<Message[]> {
    const batch = await this.#receive(this.spec.batchSize);
    if (batch.length === 0 || (this.spec.batchingWindowSeconds === 0 && this.spec.batchSize <= 10)) return batch;
    const until = Date.now() + this.spec.batchingWindowSeconds * 1000;
    while (batch.length < this.spec.batchSize && Date.now() < until && !this.#stopped) {
      const more = await this.#receive(this.spec.batchSize - batch.length);
      if (more.length === 0) await this.#sleep(Math.min(200, until - Date.now()));
      batch.push(...more);
    }
    return batch;
  }

  async #invoke(batch: Message[]): Promise<void> {
    const ids = batch.map((m) => m.MessageId!);
    const result = await this.spec.fn.invoke(sqsEventOf(batch, this.spec.queueArn, this.#region));
    if (!result.ok) {
      if (this.#stopped) return; // the function was stopped under it: nothing to report
      this.#log(
        `${this.spec.fn.spec.label} failed on a batch of ${batch.length} (${result.error.errorType}: ${result.error.errorMessage}): the messages return after the queue's visibility timeout`,
      );
      return;
    }
    let keep = new Set<string>();
    if (this.spec.reportBatchItemFailures) {
      const failed = failedItems(result.payload, ids);
      if (failed === "all") {
        this.#log(
          `${this.spec.fn.spec.label} answered an unusable batchItemFailures (${JSON.stringify(result.payload).slice(0, 200)}): the whole batch is retried`,
        );
        return;
      }
      keep = failed;
    }
    const done = batch.filter((m) => !keep.has(m.MessageId!));
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      try {
        await this.#sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.spec.queueUrl,
            Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      } catch (err) {
        if (!this.#stopped) this.#log(`delete failed: ${(err as Error).message}`);
      }
    }
  }

  #sleep(ms = IDLE_WAKE_MS): Promise<void> {
    if (this.#nudged || this.#stopped) {
      this.#nudged = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
