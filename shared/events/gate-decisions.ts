/**
 * What happens at an approval gate, the same wherever the run waits (the daemon's embedded store,
 * the cloud's table): the decision a person or a timeout makes, when a gate's timeout decides,
 * the result a denied run ends with, and how a waiting run is listed (`evd approvals`,
 * `evd cloud approvals`). One definition, so the daemon and the cloud cannot drift apart.
 */
import type { EventResult } from "./event.ts";
import { RunStatus } from "./event.ts";
import type { ApprovalGate, GateDecision, ParkedRun } from "./parked-run.ts";

/** A run waiting at a gate, as the approvals verbs list it. */
export interface ParkedJob {
  readonly id: string;
  readonly eventId: string;
  readonly handler: string;
  readonly gate: ApprovalGate;
  readonly parkedAt: string;
  /** When the gate's timeout decides by its default, if it has one. */
  readonly decidesAt?: string;
}

/** Who decided when a person answered through a CLI verb or the admin API. */
export const CLI_DECIDER = "cli";
/** Who decided when the gate's timeout did. */
export const TIMEOUT_DECIDER = "timeout";

/** A person's decision, as the CLI and the admin API record it. */
export function gateDecision(approved: boolean, message: string | undefined, now: number): GateDecision {
  return { approved, at: new Date(now).toISOString(), by: CLI_DECIDER, ...(message ? { message } : {}) };
}

/** Epoch ms at which the gate's timeout decides, for a run parked at `parkedAt`; none for a gate without one. */
export function gateDeadline(gate: ApprovalGate, parkedAt: number): number | undefined {
  return gate.timeoutSeconds > 0 ? parkedAt + gate.timeoutSeconds * 1000 : undefined;
}

/** The gate's `default`, applied once its timeout has passed without an answer. */
export function timeoutDecision(gate: ApprovalGate, now: number): GateDecision {
  const approved = gate.onTimeout === "approve";
  return {
    approved,
    at: new Date(now).toISOString(),
    by: TIMEOUT_DECIDER,
    message: `no answer within ${gate.timeoutSeconds} s: the gate's default is ${approved ? "approve" : "deny"}`,
  };
}

/** The facts of the job a denied result is about. */
export interface DeniedJob {
  readonly jobId: string;
  readonly eventId: string;
  readonly handler: string;
  /** The attempt that stopped at the gate. */
  readonly attempt: number;
}

/** The result a run ends with when denied at its gate: what it did until the gate, and why it stopped. */
export function deniedResult(job: DeniedJob, parked: ParkedRun, decision: GateDecision, now: number): EventResult {
  const { gate, snapshot } = parked;
  const at = new Date(now).toISOString();
  return {
    event_id: job.eventId,
    success: false,
    actions_taken: [...snapshot.actions],
    output: snapshot.last.has ? (snapshot.last.output ?? null) : null,
    error: `denied at the approval gate of stage "${gate.stage}" (recipe ${gate.recipe}) by ${decision.by}${decision.message ? `: ${decision.message}` : ""}`,
    job_id: job.jobId,
    handler: job.handler,
    status: RunStatus.DENIED,
    attempt: job.attempt,
    started_at: at,
    finished_at: at,
    duration_ms: 0,
  };
}
