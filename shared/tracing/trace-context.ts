/**
 * One trace per event. Its trace id and the id of its root span (the event's admission) are
 * derived from the event id, so every process that handles the event (the daemon's worker, a
 * runner Lambda, a replay a week later) lands in the same trace without asking anyone; jobs also
 * carry the W3C `traceparent` of the admission span (in the SQS job message), which is what a
 * runner parents its job span on when it is there.
 */
import { createHash } from "node:crypto";

export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
}

/** The trace id (hex 0-31) and the root span id (hex 32-47) of an event: one sha256 of its id. */
export function rootOf(eventId: string): TraceParent {
  const hex = createHash("sha256").update(`evd-trace\u0000${eventId}`).digest("hex");
  return { traceId: hex.slice(0, 32), spanId: hex.slice(32, 48) };
}

/** The event's trace id: 32 hex characters. */
export function traceIdOf(eventId: string): string {
  return rootOf(eventId).traceId;
}

/** The span id of the event's admission span, the root of its trace: 16 hex characters. */
export function rootSpanIdOf(eventId: string): string {
  return rootOf(eventId).spanId;
}

/** W3C Trace Context `traceparent`, version 00, sampled. */
export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-01`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** A valid `traceparent` -> its ids; anything else (all-zero ids included) -> undefined. */
export function parseTraceparent(text: unknown): TraceParent | undefined {
  if (typeof text !== "string") return undefined;
  const m = TRACEPARENT.exec(text.trim());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]! };
}
