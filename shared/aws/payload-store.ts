/**
 * The claim-check store: events too large for a DynamoDB item (400 KB) or an SQS message (256 KiB)
 * live in an S3 bucket of the stack (encrypted, TLS only, expiring with the event log), and the
 * item and the message carry a reference instead. One object per event, keyed by a hash of its id
 * (an id may hold any characters), gzipped JSON: writing it twice is harmless.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Event } from "../events/event.ts";
import { AwsAdapterError } from "./errors.ts";

export interface PayloadRef {
  readonly bucket: string;
  readonly key: string;
}

export class PayloadMissingError extends AwsAdapterError {
  override readonly name = "PayloadMissingError";
}

export interface S3PayloadStoreOptions {
  readonly s3: () => S3Client;
  readonly bucket: string;
}

export function isPayloadRef(value: unknown): value is PayloadRef {
  const v = value as Partial<PayloadRef> | null;
  return typeof v === "object" && v !== null && typeof v.bucket === "string" && typeof v.key === "string";
}

export class S3PayloadStore {
  readonly #o: S3PayloadStoreOptions;

  constructor(options: S3PayloadStoreOptions) {
    this.#o = options;
  }

  keyOf(eventId: string): string {
    return `events/${createHash("sha256").update(eventId).digest("hex")}.json.gz`;
  }

  /** Stores the event (gzipped JSON) and returns its reference. */
  async putEvent(event: Event): Promise<PayloadRef> {
    const ref = { bucket: this.#o.bucket, key: this.keyOf(event.id) };
    try {
      await this.#o.s3().send(
        new PutObjectCommand({
          Bucket: ref.bucket,
          Key: ref.key,
          Body: gzipSync(JSON.stringify(event)),
          ContentType: "application/json",
          ContentEncoding: "gzip",
        }),
      );
    } catch (err) {
      throw new AwsAdapterError(
        `storing event "${event.id}" in s3://${ref.bucket}/${ref.key} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return ref;
  }

  /** The event a reference points to. PayloadMissingError when the object is gone (expired). */
  async getEvent(ref: PayloadRef): Promise<Event> {
    let bytes: Uint8Array;
    try {
      const out = await this.#o.s3().send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      bytes = await out.Body!.transformToByteArray();
    } catch (err) {
      const name = (err as Error).name;
      if (name === "NoSuchKey" || name === "NotFound")
        throw new PayloadMissingError(`the event at s3://${ref.bucket}/${ref.key} is gone (expired?)`, { cause: err });
      throw new AwsAdapterError(`reading s3://${ref.bucket}/${ref.key} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return JSON.parse(gunzipSync(bytes).toString("utf8")) as Event;
  }
}
