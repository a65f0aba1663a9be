import { createHash } from "node:crypto";
import { EventError } from "./errors.ts";
import { EventIdKind, namespacedEventId } from "./event-id.ts";
import { EventType, type Event } from "./event.ts";

export interface WebhookEventInput {
  /** The webhook source's path (`/hooks/deploy`). */
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Uint8Array;
  readonly payload: Record<string, unknown>;
  readonly receivedAt: Date;
}

/**
 * The id of a signed webhook delivery: `webhook:<path>:id:<webhook-id>` when the sender gives a
 * Standard Webhooks `webhook-id` header, else `webhook:<path>:sha256:<hex of the raw body>` (the
 * `id`/`sha256` part keeps a sender's webhook-id from posing as a body hash). The path is part of
 * the id so that one message sent to two endpoints is two events. Ingest passes `webhook-id` only
 * when the signature covers it (Standard Webhooks).
 */
export function webhookEventId(
  path: string,
  headers: Readonly<Record<string, string | undefined>>,
  rawBody: Uint8Array,
): string {
  const webhookId = headers["webhook-id"]?.trim();
  if (webhookId) return namespacedEventId(EventIdKind.WEBHOOK, path, "id", webhookId);
  return namespacedEventId(EventIdKind.WEBHOOK, path, "sha256", createHash("sha256").update(rawBody).digest("hex"));
}

/** A generic webhook delivery; `source` and `metadata.path` are the webhook path. */
export function webhookEvent(input: WebhookEventInput): Event {
  if (!input.path.startsWith("/")) throw new EventError(`webhook path must start with "/": "${input.path}"`);
  const webhookId = input.headers["webhook-id"]?.trim();
  return {
    id: webhookEventId(input.path, input.headers, input.rawBody),
    type: EventType.WEBHOOK,
    source: input.path,
    payload: input.payload,
    timestamp: input.receivedAt.toISOString(),
    metadata: { path: input.path, ...(webhookId ? { webhook_id: webhookId } : {}) },
  };
}
