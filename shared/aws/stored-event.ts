/**
 * How the event log keeps an event in its DynamoDB item: its JSON through the shared payload codec
 * (`event_z`, binary: shared/codec/payload-codec.ts, the one the daemon's store uses; a 21 KB
 * GitHub delivery takes about 2 KB, and an item is billed by its size), or, when even that would
 * not fit the 400 KB item, a reference to the event in the payload bucket (`event_ref`). Items
 * written before (`event_gz`, plain gzip; `event`, a map) are still read.
 */
import { decodePayload, encodePayloadBytes } from "../codec/payload-codec.ts";
import type { Event } from "../events/event.ts";
import { AwsAdapterError } from "./errors.ts";
import { isPayloadRef, type S3PayloadStore } from "./payload-store.ts";

/** Largest encoded event kept inside the item: room left under 400 KB for the keys, job ids and marks. */
export const INLINE_EVENT_LIMIT_BYTES = 300 * 1024;

export type StoredEvent = { readonly event_z: Uint8Array } | { readonly event_ref: { bucket: string; key: string } };

export async function storedEvent(event: Event, payloads: S3PayloadStore | undefined): Promise<StoredEvent> {
  const encoded = encodePayloadBytes(JSON.stringify(event));
  if (encoded.length <= INLINE_EVENT_LIMIT_BYTES) return { event_z: encoded };
  if (!payloads)
    throw new AwsAdapterError(
      `event "${event.id}" is ${encoded.length} bytes compressed: over what a DynamoDB item holds, and no payload bucket is configured (EVD_PAYLOAD_BUCKET)`,
    );
  return { event_ref: { ...(await payloads.putEvent(event)) } };
}

export async function eventOfItem(item: Record<string, unknown>, payloads: S3PayloadStore | undefined): Promise<Event> {
  for (const stored of [item.event_z, item.event_gz])
    if (stored instanceof Uint8Array) return JSON.parse(decodePayload(stored)) as Event;
  if (isPayloadRef(item.event_ref)) {
    if (!payloads) throw new AwsAdapterError("the event is in the payload bucket, and no payload bucket is configured");
    return payloads.getEvent(item.event_ref);
  }
  if (typeof item.event === "object" && item.event !== null) return item.event as Event;
  throw new AwsAdapterError(`event-log item ${String(item.pk)} holds no event`);
}
