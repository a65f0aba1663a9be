/**
 * THE codec of stored event payloads, for every store that keeps events: the daemon's SQLite
 * event log (local/store/stored-event.ts) and the cloud's DynamoDB event log
 * (shared/aws/stored-event.ts: an item is billed by its size and holds at most 400 KB). JSON text
 * in; out either the same text (`encodePayload`: small, or not worth compressing) or bytes
 * (`encodePayloadBytes` always, for binary attributes):
 *
 *   byte 0: 0x00 (no JSON text starts with NUL, so bytes are never mistaken for text)
 *   byte 1: the codec (PayloadCodec), byte 2..: the compressed UTF-8 JSON
 *
 * Bytes that start with gzip's magic number instead are read as plain gzip: what the cloud event
 * log wrote before this codec (`event_gz`).
 *
 * Brotli at quality 1: a 21 KB GitHub pull_request delivery becomes about 2 KB (0.1x) for about
 * 30 µs of CPU to compress and 20 µs to decompress (deflate level 1: 0.11x, about the same time;
 * higher qualities save 10 % more bytes for 2-3x the CPU, on the webhook's acknowledgement path).
 * Decoding reads the codec byte, so a later codec can be added without touching stored data.
 */
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync } from "node:zlib";

export const PayloadCodec = { BROTLI: 1 } as const;
export type PayloadCodec = (typeof PayloadCodec)[keyof typeof PayloadCodec];

const MARK = 0x00;
const HEADER_BYTES = 2;
const GZIP_MAGIC = [0x1f, 0x8b] as const;
/** A decoded payload larger than this is refused (a damaged or forged value must not exhaust memory). */
const MAX_DECODED_BYTES = 256 * 1024 * 1024;

/** Below this many bytes of JSON a payload is kept as text (compression saves too little). */
export const MIN_COMPRESSED_BYTES = 1024;

export class PayloadCodecError extends Error {
  override readonly name = "PayloadCodecError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface EncodeOptions {
  /** Keep text shorter than this as is. @default MIN_COMPRESSED_BYTES */
  readonly minBytes?: number;
}

/** JSON text -> what to store: the text itself, or the marked, compressed bytes when they are smaller. */
export function encodePayload(json: string, options: EncodeOptions = {}): string | Buffer {
  if (json.length < (options.minBytes ?? MIN_COMPRESSED_BYTES)) return json;
  const out = encodePayloadBytes(json);
  return out.length >= Buffer.byteLength(json, "utf8") ? json : out;
}

/** JSON text -> the marked, compressed bytes, whatever its size (a binary attribute or object). */
export function encodePayloadBytes(json: string): Buffer {
  const raw = Buffer.from(json, "utf8");
  const packed = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 1,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  const out = Buffer.allocUnsafe(packed.length + HEADER_BYTES);
  out[0] = MARK;
  out[1] = PayloadCodec.BROTLI;
  packed.copy(out, HEADER_BYTES);
  return out;
}

/** What `encodePayload` returned (text or bytes, as a store hands it back) -> the JSON text. */
export function decodePayload(stored: string | Uint8Array): string {
  if (typeof stored === "string") return stored;
  if (stored.length >= 2 && stored[0] === GZIP_MAGIC[0] && stored[1] === GZIP_MAGIC[1]) {
    try {
      return gunzipSync(stored, { maxOutputLength: MAX_DECODED_BYTES }).toString("utf8");
    } catch (error) {
      throw new PayloadCodecError(`stored gzip payload is damaged: ${(error as Error).message}`, { cause: error });
    }
  }
  if (stored.length < HEADER_BYTES || stored[0] !== MARK)
    throw new PayloadCodecError(
      `stored payload of ${stored.length} bytes is not an encoded payload (expected the 0x00 mark and a codec byte)`,
    );
  const codec = stored[1];
  if (codec !== PayloadCodec.BROTLI)
    throw new PayloadCodecError(
      `stored payload uses codec ${codec}, which this version does not know (known: ${Object.values(PayloadCodec).join(", ")}); upgrade to read it`,
    );
  try {
    return brotliDecompressSync(stored.subarray(HEADER_BYTES), { maxOutputLength: MAX_DECODED_BYTES }).toString("utf8");
  } catch (error) {
    throw new PayloadCodecError(`stored payload is damaged: ${(error as Error).message}`, { cause: error });
  }
}

/** Bytes a stored value takes (text as UTF-8). */
export function storedBytes(stored: string | Uint8Array): number {
  return typeof stored === "string" ? Buffer.byteLength(stored, "utf8") : stored.length;
}
