/**
 * How the event log keeps an event in its DynamoDB item: gzipped JSON (`event_gz`, binary; a
 * GitHub delivery shrinks several times, and an item is billed by its size), or, when even that
 * would not fit the 400 KB item, a reference to the event in the payload bucket (`event_ref`).
 * Items written before compression (`event`, a map) are still read.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { Event } from "../events/event.ts";
import { AwsAdapterError } from "./errors.ts";
import { isPayloadRef, type S3PayloadStore } from "./payload-store.ts";

/** Largest gzipped event kept inside the item: room left under 400 KB for the keys, job ids and marks. */
export const INLINE_EVENT_LIMIT_BYTES = 300 * 1024;

export type StoredEvent = { readonly event_gz: Uint8Array } | { readonly event_ref: { bucket: string; key: string } };

export async function storedEvent(event: Event, payloads: S3PayloadStore | undefined): Promise<StoredEvent> {
  const gz = gzipSync(JSON.stringify(event));
  if (gz.length <= INLINE_EVENT_LIMIT_BYTES) return { event_gz: gz };
  if (!payloads)
    throw new AwsAdapterError(
      `event "${event.id}" is ${gz.length} bytes gzipped: over what a DynamoDB item holds, and no payload bucket is configured (EVD_PAYLOAD_BUCKET)`,
    );
  return { event_ref: { ...(await payloads.putEvent(event)) } };
}

export async function eventOfItem(item: Record<string, unknown>, payloads: S3PayloadStore | undefined): Promise<Event> {
  if (item.event_gz instanceof Uint8Array) return JSON.parse(gunzipSync(item.event_gz).toString("utf8")) as Event;
  if (isPayloadRef(item.event_ref)) {
    if (!payloads) throw new AwsAdapterError("the event is in the payload bucket, and no payload bucket is configured");
    return payloads.getEvent(item.event_ref);
  }
  if (typeof item.event === "object" && item.event !== null) return item.event as Event;
  throw new AwsAdapterError(`event-log item ${String(item.pk)} holds no event`);
}
