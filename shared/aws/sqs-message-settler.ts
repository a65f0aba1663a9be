/**
 * The SQS message of a job as the runner's `JobSettler` (shared/runner/settle.ts). A settler is
 * made per received message; after `settle` it says whether the message is done (deleted: the
 * batch reports it as processed) or kept (a batch item failure: it comes back when its visibility
 * ends, which retryAt and leave set). A run stopped at an approval gate is parked in the table
 * (cloud-gates.ts) and its message is done: no Lambda waits for the decision.
 */
import type { EventResult, Job } from "../events/event.ts";
import type { Logger } from "../logging/logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { ParkedRun } from "../events/parked-run.ts";
import type { JobSettler } from "../runner/settle.ts";
import type { SqsJobSender } from "./sqs-job-sender.ts";
import type { CloudGates } from "./cloud-gates.ts";
import { GateTooLargeError } from "./dynamo-gate-store.ts";

export interface ReceivedMessage {
  readonly receiptHandle?: string;
  /** The message body as received (a dead letter carries it unchanged). */
  readonly body: string;
}

export class SqsMessageSettler implements JobSettler {
  #keep: string | undefined;
  readonly #msg: ReceivedMessage;
  readonly #sender: SqsJobSender;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #gates: CloudGates | undefined;

  /** `gates`: where runs wait at approval gates; without it such a run is dead-lettered, saying so. */
  constructor(msg: ReceivedMessage, sender: SqsJobSender, clock: Clock, logger: Logger, gates?: CloudGates) {
    this.#msg = msg;
    this.#sender = sender;
    this.#clock = clock;
    this.#logger = logger;
    this.#gates = gates;
  }

  /** Undefined when the message is done; else why it is kept (reported as a batch item failure). */
  get keptBecause(): string | undefined {
    return this.#keep;
  }

  async ack(): Promise<void> {
    this.#keep = undefined;
  }

  async retryAt(_job: Job, result: { error: string | null }, at: number): Promise<void> {
    await this.#visibleAt(at);
    this.#keep = result.error ?? "failed";
  }

  /**
   * To the DLQ with the reason, and the original deleted. Without a DLQ the message is kept: the
   * queue's redrive policy moves it after maxReceiveCount.
   */
  async deadLetter(job: Job, _result: unknown, reason: string): Promise<void> {
    if (!this.#sender.dlqUrl) {
      this.#keep = reason;
      return;
    }
    await this.#sender.deadLetter(this.#msg.body, job, reason);
    this.#keep = undefined;
  }

  /**
   * Parked in the table until approved or denied; the message is done. A run too large to wait
   * there (or to be resumed through SQS) goes to the DLQ saying so.
   */
  async park(job: Job, result: unknown, parked: ParkedRun): Promise<void> {
    const where = `stopped at the approval gate of stage "${parked.gate.stage}" (recipe ${parked.gate.recipe})`;
    if (!this.#gates) {
      await this.deadLetter(job, result, `${where}: this runner has no table to park it in`);
      return;
    }
    try {
      await this.#gates.park(job, this.#msg.body, result as EventResult, parked);
    } catch (err) {
      if (!(err instanceof GateTooLargeError)) throw err;
      await this.deadLetter(job, result, `${where}: ${err.message}`);
      return;
    }
    this.#keep = undefined;
  }

  async leave(_job: Job, reason: string, until?: number): Promise<void> {
    await this.#visibleAt(until === undefined ? this.#clock.now() + 30_000 : until + 1000);
    this.#keep = reason;
  }

  /** Best effort: without it the queue's visibility timeout applies. */
  async #visibleAt(at: number): Promise<void> {
    if (!this.#msg.receiptHandle) return;
    try {
      await this.#sender.changeVisibility(this.#msg.receiptHandle, (at - this.#clock.now()) / 1000);
    } catch (err) {
      this.#logger.log("warn", "could not set the retry delay; the queue's visibility timeout applies", {
        error: (err as Error).message,
      });
    }
  }
}
