/**
 * How the event log keeps an event: its JSON through the shared payload codec
 * (shared/codec/payload-codec.ts), so a 21 KB GitHub delivery is stored as about 2 KB of
 * compressed bytes (a BLOB in the `json` column; small events stay text, and rows written before
 * compression are text too: both read back the same way).
 */
import { decodePayload, encodePayload } from "../../shared/codec/payload-codec.ts";
import type { Event } from "../../shared/events/event.ts";

export type StoredEventJson = string | Buffer;

export function encodeStoredEvent(event: Event): StoredEventJson {
  return encodePayload(JSON.stringify(event));
}

/** The event's JSON text; throws PayloadCodecError when the stored bytes are damaged or of an unknown codec. */
export function decodeStoredEvent(stored: StoredEventJson): string {
  return decodePayload(stored);
}
