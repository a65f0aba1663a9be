/**
 * Causation: which event's job caused an event, and how deep the chain is. An event from outside
 * has depth 0; one caused by a job of a depth-n event has depth n + 1. It travels in
 * `event.metadata.causation`, set where the cause is known:
 * - a file a handler wrote with tool-filesystem, seen by a watcher (the daemon knows its writes);
 * - an HTTP request tool-http sent (header `evd-causation: <depth>; <event id>`), arriving at an
 *   ingest endpoint of this or another orchestrator.
 * Admission cuts a chain deeper than `guardrails.max_causation_depth` (loop-guard.ts).
 */
import type { Event } from "../events/event.ts";

export interface Causation {
  /** Links in the chain: 1 for an event caused by a job of an outside event. */
  readonly depth: number;
  /** The event whose job caused this one. */
  readonly caused_by?: string;
}

/** The request header tool-http sends and ingest reads. */
export const CAUSATION_HEADER = "evd-causation";

/** Events keep their chains this long at most (a bad header cannot make a huge number). */
const MAX_DEPTH = 1000;

export function causationOf(event: Pick<Event, "metadata">): Causation {
  const raw = event.metadata?.causation as { depth?: unknown; caused_by?: unknown } | undefined;
  const depth = typeof raw?.depth === "number" && Number.isInteger(raw.depth) && raw.depth > 0 ? raw.depth : 0;
  return {
    depth: Math.min(depth, MAX_DEPTH),
    ...(typeof raw?.caused_by === "string" ? { caused_by: raw.caused_by } : {}),
  };
}

/** The causation of an event a job of `cause` brings about. */
export function causedBy(cause: Pick<Event, "id" | "metadata">): Causation {
  return { depth: causationOf(cause).depth + 1, caused_by: cause.id };
}

/** The event with its causation recorded (depth 0 leaves it as it is). */
export function withCausation<E extends Event>(event: E, causation: Causation | undefined): E {
  if (!causation || causation.depth <= 0) return event;
  return { ...event, metadata: { ...event.metadata, causation } };
}

export function formatCausationHeader(causation: Causation): string {
  return `${causation.depth}${causation.caused_by ? `; ${causation.caused_by}` : ""}`;
}

/** `"2; <event id>"` -> the causation; anything malformed -> undefined (ignored). */
export function parseCausationHeader(value: string | undefined): Causation | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d{1,4})\s*(?:;\s*(\S.{0,299}?))?\s*$/.exec(value);
  if (!m) return undefined;
  const depth = Math.min(Number(m[1]), MAX_DEPTH);
  if (depth <= 0) return undefined;
  return { depth, ...(m[2] ? { caused_by: m[2] } : {}) };
}
