/**
 * The storm breaker's state in DynamoDB (the BreakerStore port of shared/guardrails), shared by
 * every ingest and runner container: one item per source holding the current window's start and
 * count, and the pause. Normally one UpdateItem per event (`ADD count` while the window and the
 * pause allow); at a window's start or while paused, a read and a conditional reset. A pause and
 * a resume also note the source in the paused-sources item (guardrail-items.ts) for listing.
 */
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { BreakerStore, PausedSource, SourceHit } from "../guardrails/breaker-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { AwsAdapterError, isConditionalCheckFailed } from "./errors.ts";
import { breakerItemKey, GuardrailItemKind, pausedSourcesKey } from "./guardrail-items.ts";
import type { ItemKey } from "./table-layout.ts";

/** A breaker item outlives its last use by a day (TTL). */
const KEEP_SECONDS = 86_400;
/** The paused-sources item holds one attribute per paused source: this prefix and its name. */
const SOURCE_ATTRIBUTE = "source:";

export class DynamoBreakerStore implements BreakerStore {
  readonly #table: TableRef;

  constructor(options: { readonly table: TableRef }) {
    this.#table = options.table;
  }

  async hit(source: string, windowStart: number, now: number): Promise<SourceHit> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const counted = await this.#update(
        source,
        {
          UpdateExpression: "SET expires_at = :ttl ADD #count :one",
          ConditionExpression: "window_start = :ws AND (attribute_not_exists(paused_until) OR paused_until <= :now)",
          ExpressionAttributeNames: { "#count": "count" },
          ExpressionAttributeValues: { ":one": 1, ":ws": windowStart, ":now": now, ":ttl": ttl(now) },
          ReturnValues: "UPDATED_NEW",
        },
        "counting an event",
      );
      if (counted) return { count: Number(counted.count) };
      const item = await this.#read(source);
      const until = Number(item?.paused_until ?? 0);
      if (until > now) return { count: 0, pausedUntil: until };
      const started = await this.#update(
        source,
        {
          UpdateExpression: "SET window_start = :ws, #count = :one, kind = :kind, expires_at = :ttl",
          ConditionExpression:
            "(attribute_not_exists(window_start) OR window_start <> :ws) AND (attribute_not_exists(paused_until) OR paused_until <= :now)",
          ExpressionAttributeNames: { "#count": "count" },
          ExpressionAttributeValues: {
            ":ws": windowStart,
            ":one": 1,
            ":now": now,
            ":kind": GuardrailItemKind.BREAKER,
            ":ttl": ttl(now),
          },
          ReturnValues: "UPDATED_NEW",
        },
        "starting a window",
      );
      if (started) return { count: Number(started.count) };
      // Another admitter moved the item meanwhile: look again.
    }
    throw new AwsAdapterError(`storm breaker: the count of "${source}" kept changing under this update`);
  }

  async pause(source: string, p: Omit<PausedSource, "source">): Promise<boolean> {
    const done = await this.#update(
      source,
      {
        UpdateExpression:
          "SET paused_until = :until, paused_since = :since, paused_reason = :reason, #count = :zero, kind = :kind, expires_at = :ttl",
        ConditionExpression: "attribute_not_exists(paused_until) OR paused_until <= :since",
        ExpressionAttributeNames: { "#count": "count" },
        ExpressionAttributeValues: {
          ":until": p.until,
          ":since": p.since,
          ":reason": p.reason,
          ":zero": 0,
          ":kind": GuardrailItemKind.BREAKER,
          ":ttl": ttl(p.until),
        },
        ReturnValues: "UPDATED_NEW",
      },
      "pausing",
    );
    if (done !== undefined) await this.#note(source, { ...p });
    return done !== undefined;
  }

  async resume(source: string, now: number): Promise<boolean> {
    const done = await this.#update(
      source,
      {
        UpdateExpression: "SET #count = :zero REMOVE paused_until, paused_since, paused_reason",
        ConditionExpression: "paused_until > :now",
        ExpressionAttributeNames: { "#count": "count" },
        ExpressionAttributeValues: { ":zero": 0, ":now": now },
        ReturnValues: "UPDATED_NEW",
      },
      "resuming",
    );
    if (done !== undefined) await this.#note(source, undefined);
    return done !== undefined;
  }

  async paused(now: number): Promise<PausedSource[]> {
    const item = await this.#get(pausedSourcesKey, "listing the paused sources");
    return Object.entries(item ?? {})
      .filter(([name]) => name.startsWith(SOURCE_ATTRIBUTE))
      .map(([name, p]) => ({ source: name.slice(SOURCE_ATTRIBUTE.length), ...(p as Omit<PausedSource, "source">) }))
      .filter((p) => Number(p.until) > now);
  }

  /** Notes (or, with undefined, forgets) a source in the paused-sources item: one attribute per source. */
  async #note(source: string, pause: Omit<PausedSource, "source"> | undefined): Promise<void> {
    try {
      await this.#table.doc().send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: pausedSourcesKey,
          ExpressionAttributeNames: { "#s": `${SOURCE_ATTRIBUTE}${source}` },
          ...(pause
            ? {
                UpdateExpression: "SET #s = :p, kind = :kind",
                ExpressionAttributeValues: { ":p": pause, ":kind": GuardrailItemKind.PAUSED_SOURCES },
              }
            : { UpdateExpression: "REMOVE #s" }),
        }),
      );
    } catch (err) {
      throw new AwsAdapterError(`storm breaker: noting "${source}" as paused: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  #read(source: string): Promise<Record<string, unknown> | undefined> {
    return this.#get(breakerItemKey(source), `reading "${source}"`);
  }

  async #get(key: ItemKey, what: string): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.#table
        .doc()
        .send(new GetCommand({ TableName: this.#table.tableName, Key: key, ConsistentRead: true }));
      return out.Item;
    } catch (err) {
      throw new AwsAdapterError(`storm breaker: ${what}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The updated attributes, or undefined when the condition did not hold. */
  async #update(
    source: string,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName" | "Key">,
    what: string,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.#table
        .doc()
        .send(new UpdateCommand({ TableName: this.#table.tableName, Key: breakerItemKey(source), ...input }));
      return out.Attributes ?? {};
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw new AwsAdapterError(`storm breaker: ${what} for "${source}": ${(err as Error).message}`, { cause: err });
    }
  }
}

function ttl(nowMs: number): number {
  return Math.floor(nowMs / 1000) + KEEP_SECONDS;
}
