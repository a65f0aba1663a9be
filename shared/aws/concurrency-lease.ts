/**
 * Per-handler `concurrency` keys in the cloud: one DynamoDB lease item per (handler, key).
 *
 * - `acquire`: conditional write, taken when free, expired, or already ours. A job whose key is
 *   held goes back to the queue with a delay (the runner re-sends it with DelaySeconds).
 * - `supersede`: ingest records the newest job id per key (`noteLatest`); when an older job comes
 *   up, the runner sees it is not the latest and records it as superseded instead of running it.
 *
 * Cost: one extra conditional write per keyed job at ingest (latest), two per run (acquire,
 * release), and a held key turns every waiting message into a re-send with a delay: jobs sharing
 * a key run one after another, at most one per key at a time, whatever the Lambda concurrency.
 */
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { TableRef } from "./dynamo-document.ts";
import { AwsAdapterError, isConditionalCheckFailed } from "./errors.ts";
import { DEFAULT_RETENTION, ItemKind, concurrencyKey, expiresAt } from "./table-layout.ts";

export type LeaseOutcome =
  { readonly kind: "acquired" } | { readonly kind: "held"; readonly holder: string; readonly leaseExpiresAt: number };

export class ConcurrencyLease {
  readonly #table: TableRef;

  constructor(options: { readonly table: TableRef }) {
    this.#table = options.table;
  }

  async acquire(handler: string, key: string, jobId: string, leaseMs: number, now: number): Promise<LeaseOutcome> {
    try {
      await this.#table.doc().send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: concurrencyKey(handler, key),
          ConditionExpression: "attribute_not_exists(holder) OR holder = :job OR lease_expires_at < :now",
          UpdateExpression: "SET holder = :job, lease_expires_at = :lease, kind = :kind, expires_at = :ttl",
          ExpressionAttributeValues: {
            ":job": jobId,
            ":now": now,
            ":lease": now + leaseMs,
            ":kind": ItemKind.CONCURRENCY_KEY,
            ":ttl": expiresAt(now, DEFAULT_RETENTION.jobDays),
          },
        }),
      );
      return { kind: "acquired" };
    } catch (err) {
      if (!isConditionalCheckFailed(err))
        throw new AwsAdapterError(`acquiring concurrency key "${handler}/${key}" failed: ${(err as Error).message}`, {
          cause: err,
        });
    }
    const item = await this.#read(handler, key);
    if (!item?.holder) return this.acquire(handler, key, jobId, leaseMs, now); // released meanwhile
    return { kind: "held", holder: String(item.holder), leaseExpiresAt: Number(item.lease_expires_at) };
  }

  /** Frees the key if `jobId` still holds it. */
  async release(handler: string, key: string, jobId: string): Promise<void> {
    try {
      await this.#table.doc().send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: concurrencyKey(handler, key),
          ConditionExpression: "holder = :job",
          UpdateExpression: "REMOVE holder, lease_expires_at",
          ExpressionAttributeValues: { ":job": jobId },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err))
        throw new AwsAdapterError(`releasing concurrency key "${handler}/${key}" failed: ${(err as Error).message}`, {
          cause: err,
        });
    }
  }

  /** Records `jobId` as the newest job for the key, unless a newer one is already recorded. */
  async noteLatest(handler: string, key: string, jobId: string, enqueuedAt: string, now: number): Promise<void> {
    try {
      await this.#table.doc().send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: concurrencyKey(handler, key),
          ConditionExpression: "attribute_not_exists(latest_at) OR latest_at <= :at",
          UpdateExpression: "SET latest_job = :job, latest_at = :at, kind = :kind, expires_at = :ttl",
          ExpressionAttributeValues: {
            ":job": jobId,
            ":at": enqueuedAt,
            ":kind": ItemKind.CONCURRENCY_KEY,
            ":ttl": expiresAt(now, DEFAULT_RETENTION.jobDays),
          },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err))
        throw new AwsAdapterError(
          `recording the latest job for "${handler}/${key}" failed: ${(err as Error).message}`,
          { cause: err },
        );
    }
  }

  /** The newest job id recorded for the key, if any. */
  async latest(handler: string, key: string): Promise<string | undefined> {
    const item = await this.#read(handler, key);
    return typeof item?.latest_job === "string" ? item.latest_job : undefined;
  }

  async #read(handler: string, key: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.#table
      .doc()
      .send(
        new GetCommand({ TableName: this.#table.tableName, Key: concurrencyKey(handler, key), ConsistentRead: true }),
      );
    return out.Item;
  }
}
