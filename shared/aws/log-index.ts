/**
 * Reading the write-sharded `log` index (table-layout.ts) by time: every shard of a type is
 * queried newest first (in parallel), each until it has `limit` accepted items or runs out, and
 * the shards are merged newest first. The cost of a query is one Query per shard and page; the
 * writes it saves from a hot partition are the reason (see docs/capacity.md).
 */
import { BatchGetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { TableRef } from "./dynamo-document.ts";
import { AwsAdapterError } from "./errors.ts";
import { logPartitions, TABLE_KEYS, type ItemKey, type LogPartition } from "./table-layout.ts";

export interface LogQuery {
  /** Epoch ms: items at or after. */
  readonly since?: number;
  /** At most this many items, newest first. */
  readonly limit: number;
  /** Keeps an index item (the projected attributes and keys). @default every item */
  readonly accept?: (item: Record<string, unknown>) => boolean;
}

/** Index items of one type, newest first (their projected attributes and the base keys pk/sk). */
export async function queryLog(
  table: TableRef,
  type: LogPartition,
  query: LogQuery,
): Promise<Record<string, unknown>[]> {
  const { partitionKey: pkName, sortKey: skName, indexName } = TABLE_KEYS.log;
  const perShard = await Promise.all(
    logPartitions(type).map(async (partition) => {
      const found: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await table.doc().send(
          new QueryCommand({
            TableName: table.tableName,
            IndexName: indexName,
            KeyConditionExpression: query.since === undefined ? "#pk = :pk" : "#pk = :pk AND #sk >= :since",
            ExpressionAttributeNames: { "#pk": pkName, ...(query.since === undefined ? {} : { "#sk": skName }) },
            ExpressionAttributeValues: {
              ":pk": partition,
              ...(query.since === undefined ? {} : { ":since": new Date(query.since).toISOString() }),
            },
            ScanIndexForward: false,
            Limit: Math.min(Math.max(query.limit, 25), 1000),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          if (found.length >= query.limit) break;
          if (!query.accept || query.accept(item)) found.push(item);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey && found.length < query.limit);
      return found;
    }),
  );
  const sortKey = (item: Record<string, unknown>) => String(item[skName]);
  return perShard
    .flat()
    .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0))
    .slice(0, query.limit);
}

/** BatchGetItem limits: 100 keys a request. */
const BATCH_GET_KEYS = 100;

/**
 * The items with these keys (missing ones absent), by `pk` + `sk`. Unprocessed keys (throttling)
 * are asked again, a few times, with a growing pause.
 */
export async function batchGetItems(
  table: TableRef,
  keys: readonly ItemKey[],
  opts: { projection?: readonly string[]; retries?: number } = {},
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const unique = [...new Map(keys.map((k) => [itemId(k), k])).values()];
  const projection = opts.projection
    ? {
        ProjectionExpression: ["pk", "sk", ...opts.projection].map((_, i) => `#p${i}`).join(", "),
        ExpressionAttributeNames: Object.fromEntries(["pk", "sk", ...opts.projection].map((a, i) => [`#p${i}`, a])),
      }
    : {};
  for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) {
    let pending: Record<string, unknown>[] = unique.slice(i, i + BATCH_GET_KEYS).map((k) => ({ pk: k.pk, sk: k.sk }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > (opts.retries ?? 5))
        throw new AwsAdapterError(`BatchGetItem left ${pending.length} key(s) unprocessed after ${attempt} tries`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const res = await table
        .doc()
        .send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: pending, ...projection } } }));
      for (const item of res.Responses?.[table.tableName] ?? []) out.set(itemId(item as unknown as ItemKey), item);
      pending = (res.UnprocessedKeys?.[table.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return out;
}

export function itemId(key: Pick<ItemKey, "pk" | "sk">): string {
  return `${key.pk}\u0000${key.sk}`;
}
