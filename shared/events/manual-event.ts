import { manualEventId } from "./event-id.ts";
import { EventType, type Event } from "./event.ts";

export interface ManualEventInput {
  readonly payload?: Record<string, unknown>;
  /** The caller's id (idempotency key), namespaced as `manual:<id>`; a fresh UUID when omitted. */
  readonly id?: string;
  /** Where it came from; default "cli". For a webhook-typed event, the webhook path. */
  readonly source?: string;
  readonly type?: "manual" | "custom" | "webhook";
  readonly now: Date;
}

/** A manual trigger (CLI, admin API): `manual:<caller's id>`, or `manual:<fresh UUID>`. */
export function manualEvent(input: ManualEventInput): Event {
  const type = input.type ?? EventType.MANUAL;
  const source = input.source ?? "cli";
  return {
    id: manualEventId(input.id),
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
