/**
 * The JobQueue on SQS + DynamoDB, composed of the event log, the concurrency-key bookkeeping and
 * the job sender. `submit`:
 * 1. with `queue_overflow: error | drop`, reads the queue's depth and refuses or drops at the limit;
 * 2. records the event (DynamoEventLog, a conditional put): seen before, with its jobs sent (or
 *    dropped) -> "duplicate", nothing sent;
 * 3. notes the newest job per concurrency key (for `on_new: supersede`);
 * 4. sends the jobs (SqsJobSender), then marks them sent.
 * If sending fails, the event record is removed and EnqueueError thrown: ingest answers 503 and
 * GitHub's redelivery is not swallowed as a duplicate. If the process dies (or times out) between
 * the record and the mark, the record stays without its mark, and the redelivery sends the jobs
 * (again: the runner's claim runs each job id once) and marks them: no sequence of crashes turns a
 * redelivery into a lost event. Without an event log (`evd cloud trigger` given no table), steps
 * 2-3 are skipped and dedupe happens at the runner's job claim.
 */
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Event, Job } from "../events/event.ts";
import type { Clock } from "../ports/clock.ts";
import type { JobQueue, SubmitOptions, SubmitOutcome } from "../ports/job-queue.ts";
import type { ConcurrencyLease } from "./concurrency-lease.ts";
import type { DynamoEventLog } from "./dynamo-event-log.ts";
import { EnqueueError } from "./errors.ts";
import type { SqsJobSender } from "./sqs-job-sender.ts";

export interface SqsJobQueueOptions {
  readonly sender: SqsJobSender;
  readonly sqs: () => SQSClient;
  readonly clock: Clock;
  /** Dedupe by event id and the replay source; omitted = neither. */
  readonly eventLog?: DynamoEventLog;
  /** Notes the newest job per concurrency key; omitted = no supersede bookkeeping. */
  readonly leases?: ConcurrencyLease;
  /**
   * Backpressure (`queue_overflow` / `queue_capacity`): with `error` or `drop`, each submit reads
   * the queue's ApproximateNumberOfMessages first (one GetQueueAttributes call) and refuses (429)
   * or drops the event when it is at `limit`. `queue` (default) never checks: SQS has no bound.
   */
  readonly overflow?: { readonly policy: "queue" | "drop" | "error"; readonly limit: number };
}

export class SqsJobQueue implements JobQueue {
  readonly #o: SqsJobQueueOptions;

  constructor(options: SqsJobQueueOptions) {
    this.#o = options;
  }

  get sender(): SqsJobSender {
    return this.#o.sender;
  }

  async submit(event: Event, jobs: readonly Job[], options: SubmitOptions = {}): Promise<SubmitOutcome> {
    const now = this.#o.clock.now();
    const jobIds = jobs.map((j) => j.id);
    const full = options.dropReason ?? (await this.#full());
    if (full && this.#o.overflow?.policy === "error") return { kind: "rejected", reason: full };
    let unfinished = false;
    if (this.#o.eventLog) {
      const logged = await this.#o.eventLog.record(
        event,
        jobIds,
        now,
        full !== undefined ? { droppedReason: full } : {},
      );
      if (logged.kind === "seen") {
        if (logged.sent || logged.dropped) return { kind: "duplicate", jobIds: logged.jobIds };
        unfinished = true; // recorded, never marked sent: finish what the first delivery started
      }
    }
    if (full !== undefined && !unfinished) return { kind: "dropped", jobIds, reason: full };
    try {
      if (this.#o.leases) {
        for (const job of jobs) {
          if (job.concurrency_key !== undefined) {
            await this.#o.leases.noteLatest(job.handler, job.concurrency_key, job.id, job.enqueued_at, now);
          }
        }
      }
      await this.#o.sender.send(jobs);
    } catch (err) {
      // A first delivery's record goes (its redelivery starts afresh); an unfinished one stays unmarked.
      if (!unfinished) await this.#o.eventLog?.forget(event.id);
      throw err instanceof EnqueueError
        ? err
        : new EnqueueError(`enqueueing event "${event.id}" failed: ${(err as Error).message}`, { cause: err });
    }
    // Best effort: without the mark, a redelivery sends the jobs again, which the runner dedupes.
    await this.#o.eventLog?.confirmSent(event.id, now).catch(() => undefined);
    return { kind: "accepted", jobIds };
  }

  /** A reason when the overflow policy applies and the queue is at its limit. */
  async #full(): Promise<string | undefined> {
    const o = this.#o.overflow;
    if (!o || o.policy === "queue") return undefined;
    const out = await this.#o.sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: this.#o.sender.queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages"],
      }),
    );
    const depth = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
    return depth >= o.limit ? `queue full: ${depth} jobs waiting (queue_capacity ${o.limit})` : undefined;
  }
}
