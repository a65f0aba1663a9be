/**
 * Approval gates in the cloud, as the daemon has them (local/store/gates.ts), with the same
 * decisions and results (shared/events/gate-decisions.ts) and the pipeline's own resume:
 *
 *   park      the runner's settlement of a run stopped at a gate: the gate item (dynamo-gate-store.ts)
 *             and, when the gate has a timeout, its timer: a delayed `gate_check` message
 *             (job-message.ts), sent again every 15 min at most (SQS's longest delay) until the
 *             deadline. The message is then done: no Lambda waits.
 *   decide    `evd cloud approve|deny`, or the timer at the deadline (the gate's `default`).
 *             Approve: the gate APPROVED with the digest of its resume, then the job message sent
 *             again through the codec with `resume` (the runner continues from the gate). Deny: the
 *             run ends with the denied result (job COMPLETED, history), nothing is sent.
 *   vet       before the runner runs a job: a `resume` runs only when it is the approved one (its
 *             digest matches the gate's), and a job that already stopped at a gate is not run again
 *             from the top by a duplicate of its message. A message that is neither runs nothing.
 *
 * As with the daemon, a decision emits no hook: `event:handler:end` fired when the run stopped at
 * the gate (status parked), and fires again when an approved run ends.
 */
import { createHash } from "node:crypto";
import type { EventResult, Job } from "../events/event.ts";
import { deniedResult, timeoutDecision, type ParkedJob } from "../events/gate-decisions.ts";
import type { GateDecision, ParkedRun, RunResume } from "../events/parked-run.ts";
import { silentLogger, type Logger } from "../logging/logger.ts";
import type { Clock } from "../ports/clock.ts";
import {
  GateConflictError,
  GateState,
  GateTooLargeError,
  type DynamoGateStore,
  type GateRecord,
} from "./dynamo-gate-store.ts";
import {
  decodeQueueMessage,
  encodeGateCheckMessage,
  encodeJobMessage,
  messageBytes,
  SQS_MAX_DELAY_SECONDS,
  SQS_MESSAGE_LIMIT_BYTES,
  type EncodedJobMessage,
} from "./job-message.ts";
import type { PayloadRef, S3PayloadStore } from "./payload-store.ts";
import type { SqsJobSender } from "./sqs-job-sender.ts";

/** The longest `--message` a decision keeps (it travels in the resume message). */
export const DECISION_MESSAGE_LIMIT = 1000;

/** A decision that cannot be taken: no such gate, not waiting any more, a bad message. Nothing changed. */
export class GateRequestError extends Error {
  override readonly name = "GateRequestError";
}

/** Approved, but the resume message could not be sent: deciding again sends it. */
export class ResumeNotSentError extends Error {
  override readonly name = "ResumeNotSentError";
}

export interface GateAnswer {
  readonly jobId: string;
  readonly approved: boolean;
  readonly decision: GateDecision;
  /** True when this call only sent again the resume of an approval whose message had not gone out. */
  readonly resent?: boolean;
}

export interface CloudGatesDeps {
  readonly store: DynamoGateStore;
  readonly sender: SqsJobSender;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Where a resumed job's event goes when its message would pass SQS's limit (claim check). */
  readonly payloads?: S3PayloadStore;
  /** Whether runs of a handler can stop at a gate (its recipe has one). @default every handler can */
  readonly mayPark?: (handler: string) => Promise<boolean>;
}

/** The one resume a gate's approval allows: its snapshot and decision, hashed. */
export function resumeDigest(resume: RunResume): string {
  const d = resume.decision;
  return createHash("sha256")
    .update(JSON.stringify(resume.parked))
    .update("\n")
    .update(JSON.stringify([d.approved, d.at, d.by, d.message ?? null]))
    .digest("hex");
}

/** The largest decision a resume message may carry: room kept for it when a run parks. */
const LONGEST_DECISION: GateDecision = {
  approved: true,
  at: new Date(0).toISOString(),
  by: "timeout",
  message: "x".repeat(DECISION_MESSAGE_LIMIT),
};
/** A claim-check reference as long as a real one. */
const SAMPLE_REF: PayloadRef = { bucket: "b".repeat(63), key: `events/${"0".repeat(64)}.json.gz` };

export class CloudGates {
  readonly #d: CloudGatesDeps;
  readonly #log: Logger;

  constructor(deps: CloudGatesDeps) {
    this.#d = deps;
    this.#log = deps.logger ?? silentLogger;
  }

  /**
   * Keeps a run stopped at its gate, from the message it ran from. GateTooLargeError when it
   * cannot wait in the cloud (the item, or the resume message it would need, is too large).
   */
  async park(job: Job, messageBody: string, result: EventResult, parked: ParkedRun): Promise<void> {
    const now = this.#d.clock.now();
    const decoded = decodeQueueMessage(messageBody, new Date(now));
    const fromMessage = decoded.kind === "job" ? decoded.job : job;
    const ref = decoded.kind === "job" ? decoded.payloadRef : undefined;
    const { resume: _previous, ...plain } = fromMessage;
    const resumed: Job = { ...plain, attempt: 1, resume: { parked, decision: LONGEST_DECISION } };
    const smallest = Math.min(
      messageBytes(encodeJobMessage(resumed, ref)),
      ref === undefined && this.#d.payloads ? messageBytes(encodeJobMessage(resumed, SAMPLE_REF)) : Infinity,
    );
    if (smallest > SQS_MESSAGE_LIMIT_BYTES)
      throw new GateTooLargeError(
        `the run of job "${job.id}" at the gate of stage "${parked.gate.stage}" is ${smallest} bytes as a resume message: over SQS's ${SQS_MESSAGE_LIMIT_BYTES} bytes, it could never continue in the cloud`,
      );
    const gate = await this.#d.store.park({
      jobId: job.id,
      eventId: job.event.id,
      handler: job.handler,
      parked,
      attempt: result.attempt ?? job.attempt,
      message: encodeJobMessage(plain as Job, ref).body,
      now,
    });
    if (gate.deadline !== undefined) await this.#armTimer(gate, now);
  }

  /** The runs waiting at a gate, the longest-waiting first. */
  list(): Promise<ParkedJob[]> {
    return this.#d.store.listParked();
  }

  /** A person's (or a timeout's) decision about the gate job `jobId` waits at. */
  async decide(jobId: string, decision: GateDecision): Promise<GateAnswer> {
    if ((decision.message?.length ?? 0) > DECISION_MESSAGE_LIMIT)
      throw new GateRequestError(
        `the decision's message is ${decision.message!.length} characters: at most ${DECISION_MESSAGE_LIMIT}`,
      );
    const gate = await this.#d.store.get(jobId);
    if (!gate)
      throw new GateRequestError(`no run of job "${jobId}" stopped at an approval gate (see evd cloud approvals)`);
    if (gate.state !== GateState.PARKED) {
      if (decision.approved && unsentApproval(gate)) return this.#resend(gate);
      throw new GateRequestError(notWaiting(gate));
    }
    return this.#decideGate(gate, decision);
  }

  /**
   * The timer of the gate job `jobId` parked at `parkedAt`: before the deadline it is sent again
   * (at most 15 min later), at the deadline the gate's default decides. What it did, for the log.
   */
  async checkTimeout(jobId: string, parkedAt: number): Promise<string> {
    const gate = await this.#d.store.get(jobId);
    if (!gate || gate.parkedAt !== parkedAt) return "the gate was replaced or is gone";
    if (gate.state !== GateState.PARKED) {
      if (!unsentApproval(gate)) return "the gate was decided";
      await this.#resend(gate);
      return "the approved run's resume was sent again";
    }
    if (gate.deadline === undefined) return "the gate has no timeout";
    const now = this.#d.clock.now();
    if (gate.deadline > now) {
      await this.#armTimer(gate, now);
      return "the gate still waits";
    }
    try {
      const answer = await this.#decideGate(gate, timeoutDecision(gate.parked.gate, now));
      return answer.approved ? "the gate's timeout approved the run" : "the gate's timeout denied the run";
    } catch (err) {
      if (err instanceof GateRequestError) return `the gate was decided meanwhile (${err.message})`;
      throw err;
    }
  }

  /** Why the runner must not run this job, or undefined to run it. */
  async vet(job: Job): Promise<string | undefined> {
    if (!job.resume && this.#d.mayPark && !(await this.#d.mayPark(job.handler))) return undefined;
    const gate = await this.#d.store.get(job.id);
    if (job.resume) {
      if (gate?.state === GateState.APPROVED && gate.resumeDigest === resumeDigest(job.resume)) return undefined;
    } else if (!gate) return undefined;
    // The timer of a waiting gate may have been lost with the message that parked it: arm it again.
    if (gate?.state === GateState.PARKED && gate.deadline !== undefined)
      await this.#armTimer(gate, this.#d.clock.now());
    return job.resume
      ? "its resume is not the one its gate's approval allows (stale, duplicate or forged): not run"
      : "it already stopped at an approval gate (this is a duplicate of its message): not run again from the top";
  }

  async #decideGate(gate: GateRecord, decision: GateDecision): Promise<GateAnswer> {
    const now = this.#d.clock.now();
    try {
      if (!decision.approved) {
        const result = deniedResult(
          { jobId: gate.jobId, eventId: gate.eventId, handler: gate.handler, attempt: gate.attempt },
          gate.parked,
          decision,
          now,
        );
        await this.#d.store.deny(gate, decision, result, now);
        return { jobId: gate.jobId, approved: false, decision };
      }
      const resume: RunResume = { parked: gate.parked, decision };
      const message = await this.#resumeMessage(gate, resume);
      const digest = resumeDigest(resume);
      await this.#d.store.approve(gate, decision, digest, now);
      await this.#send(gate.jobId, message, digest);
      return { jobId: gate.jobId, approved: true, decision };
    } catch (err) {
      if (!(err instanceof GateConflictError)) throw err;
      const current = await this.#d.store.get(gate.jobId);
      throw new GateRequestError(current && current.state !== GateState.PARKED ? notWaiting(current) : err.message);
    }
  }

  /** The approval went through but its message did not: send it (a duplicate is harmless, vet refuses it). */
  async #resend(gate: GateRecord): Promise<GateAnswer> {
    const resume: RunResume = { parked: gate.parked, decision: gate.decision! };
    const digest = resumeDigest(resume);
    if (digest !== gate.resumeDigest) throw new GateRequestError(notWaiting(gate));
    await this.#send(gate.jobId, await this.#resumeMessage(gate, resume), digest);
    return { jobId: gate.jobId, approved: true, decision: gate.decision!, resent: true };
  }

  async #send(jobId: string, message: EncodedJobMessage, digest: string): Promise<void> {
    try {
      await this.#d.sender.sendEncoded([message], this.#d.sender.queueUrl);
    } catch (err) {
      throw new ResumeNotSentError(
        `job "${jobId}" was approved, but its resume message could not be sent (${(err as Error).message}): approve it again to send it`,
        { cause: err },
      );
    }
    await this.#d.store.markResumeSent(jobId, digest, this.#d.clock.now());
  }

  /** The job message the gate kept, with `resume`, through the codec (its event claim-checked if it must be). */
  async #resumeMessage(gate: GateRecord, resume: RunResume): Promise<EncodedJobMessage> {
    const decoded = decodeQueueMessage(gate.message, new Date(this.#d.clock.now()));
    if (decoded.kind !== "job") throw new GateRequestError(`the gate of job "${gate.jobId}" keeps no job message`);
    const job: Job = { ...decoded.job, attempt: 1, resume };
    let message = encodeJobMessage(job, decoded.payloadRef);
    if (messageBytes(message) > SQS_MESSAGE_LIMIT_BYTES && !decoded.payloadRef && this.#d.payloads)
      message = encodeJobMessage(job, await this.#d.payloads.putEvent(job.event));
    const bytes = messageBytes(message);
    if (bytes > SQS_MESSAGE_LIMIT_BYTES)
      throw new GateRequestError(
        `the resume message of job "${gate.jobId}" would be ${bytes} bytes: over SQS's ${SQS_MESSAGE_LIMIT_BYTES} bytes (deny it, or shorten the message)`,
      );
    return message;
  }

  /** The gate's timer: a `gate_check` message, delayed until the deadline or SQS's longest delay. */
  async #armTimer(gate: GateRecord, now: number): Promise<void> {
    const delay = Math.min(SQS_MAX_DELAY_SECONDS, Math.max(1, Math.ceil((gate.deadline! - now) / 1000)));
    await this.#d.sender.sendEncoded(
      [encodeGateCheckMessage(gate.jobId, gate.parkedAt)],
      this.#d.sender.queueUrl,
      delay,
    );
    this.#log.log("debug", "approval gate timer armed", { job_id: gate.jobId, delay_seconds: delay });
  }
}

function unsentApproval(gate: GateRecord): boolean {
  return (
    gate.state === GateState.APPROVED &&
    gate.resumeSentAt === undefined &&
    gate.resumeDigest !== undefined &&
    gate.decision !== undefined
  );
}

function notWaiting(gate: GateRecord): string {
  const d = gate.decision;
  const how = gate.state === GateState.APPROVED ? "approved" : "denied";
  return `job "${gate.jobId}" is not waiting at an approval gate: it was ${how}${d ? ` at ${d.at} by ${d.by}` : ""}`;
}
