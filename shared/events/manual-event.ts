import { randomUUID } from "node:crypto";
import { EventError } from "./errors.ts";
import { EventType, type Event } from "./event.ts";

export interface ManualEventInput {
  readonly payload?: Record<string, unknown>;
  /** The caller's id (idempotency key); a fresh UUID when omitted. */
  readonly id?: string;
  /** Where it came from; default "cli". For a webhook-typed event, the webhook path. */
  readonly source?: string;
  readonly type?: "manual" | "custom" | "webhook";
  readonly now: Date;
}

/** A manual trigger (CLI, admin API): a fresh UUID id unless the caller gives one. */
export function manualEvent(input: ManualEventInput): Event {
  const type = input.type ?? EventType.MANUAL;
  if (input.id !== undefined && input.id.trim() === "") throw new EventError("event id must not be empty");
  const source = input.source ?? "cli";
  return {
    id: input.id ?? randomUUID(),
    type,
    source,
    payload: { ...(input.payload ?? {}) },
    timestamp: input.now.toISOString(),
    metadata:
      type === EventType.WEBHOOK && source.startsWith("/")
        ? { path: source, trigger: "manual" }
        : { trigger: "manual" },
  };
}
