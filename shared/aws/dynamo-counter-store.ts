/**
 * The budget counters in DynamoDB (the CounterStore port of shared/guardrails): one item per
 * counter key, one numeric attribute per field, shared by every runner.
 *
 * - Changes with a limit (`below`): ONE TransactWriteItems, one operation per item (an Update with
 *   `ADD` and the limits as its condition, or a ConditionCheck when it only checks), so either
 *   every limit held and every count moved, or nothing changed. Two runners racing for the last
 *   run of an hour: one transaction wins, the other is cancelled (ConditionalCheckFailed) or
 *   conflicts (TransactionConflict, tried again).
 * - Changes without a limit (usage as prompts answer): one UpdateItem `ADD` per item.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  changesByKey,
  CounterStoreError,
  type CounterChange,
  type CounterOutcome,
  type CounterStore,
} from "../guardrails/counter-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { counterItemKey, GuardrailItemKind } from "./guardrail-items.ts";

export interface DynamoCounterStoreOptions {
  readonly table: TableRef;
  /** Tries of a transaction that conflicted with another one on the same items. @default 8 */
  readonly conflictRetries?: number;
}

type DocTransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>[number];

function operation(tableName: string, key: string, changes: readonly CounterChange[]): DocTransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const adds: string[] = [];
  const conditions: string[] = [];
  changes.forEach((c, i) => {
    names[`#f${i}`] = c.field;
    if (c.add !== 0 || c.below === undefined) {
      adds.push(`#f${i} :a${i}`);
      values[`:a${i}`] = c.add;
    }
    if (c.below !== undefined) {
      conditions.push(`(attribute_not_exists(#f${i}) OR #f${i} < :b${i})`);
      values[`:b${i}`] = c.below;
    }
  });
  const condition = conditions.length ? { ConditionExpression: conditions.join(" AND ") } : {};
  if (adds.length === 0) {
    return {
      ConditionCheck: {
        TableName: tableName,
        Key: counterItemKey(key),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ConditionExpression: conditions.join(" AND "),
      },
    };
  }
  names["#kind"] = "kind";
  values[":kind"] = GuardrailItemKind.COUNTER;
  values[":ttl"] = Math.ceil(Math.max(...changes.map((c) => c.expiresAt)) / 1000);
  return {
    Update: {
      TableName: tableName,
      Key: counterItemKey(key),
      UpdateExpression: `SET #kind = :kind, expires_at = :ttl ADD ${adds.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...condition,
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DynamoCounterStore implements CounterStore {
  readonly #o: DynamoCounterStoreOptions;

  constructor(options: DynamoCounterStoreOptions) {
    this.#o = options;
  }

  async apply(changes: readonly CounterChange[]): Promise<CounterOutcome> {
    if (changes.length === 0) return { ok: true };
    const groups = [...changesByKey(changes)];
    const { table } = this.#o;
    if (!changes.some((c) => c.below !== undefined)) {
      await Promise.all(
        groups.map(([key, list]) => {
          const op = operation(table.tableName, key, list).Update!;
          return this.#send(() => table.doc().send(new UpdateCommand(op)), `counting ${key}`);
        }),
      );
      return { ok: true };
    }
    const items = groups.map(([key, list]) => operation(table.tableName, key, list));
    const tries = this.#o.conflictRetries ?? 8;
    for (let attempt = 1; ; attempt++) {
      try {
        await table.doc().send(new TransactWriteCommand({ TransactItems: items }));
        return { ok: true };
      } catch (err) {
        if (!(err instanceof TransactionCanceledException || (err as Error).name === "TransactionCanceledException"))
          throw new CounterStoreError(`budget counters: ${(err as Error).message}`, { cause: err });
        const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        const failed = reasons.findIndex((r) => r.Code === "ConditionalCheckFailed");
        if (failed >= 0) return { ok: false, refused: await this.#refused(groups[failed]![1]) };
        if (attempt >= tries)
          throw new CounterStoreError(
            `budget counters: the transaction was cancelled ${attempt} times (${reasons.map((r) => r.Code ?? "?").join(", ")})`,
            { cause: err },
          );
        await pause(Math.random() * 20 * 2 ** attempt);
      }
    }
  }

  async read(key: string): Promise<Readonly<Record<string, number>>> {
    const { table } = this.#o;
    const out = await this.#send(
      () =>
        table
          .doc()
          .send(new GetCommand({ TableName: table.tableName, Key: counterItemKey(key), ConsistentRead: true })),
      `reading ${key}`,
    );
    const fields: Record<string, number> = {};
    for (const [k, v] of Object.entries(out.Item ?? {})) if (typeof v === "number" && k !== "expires_at") fields[k] = v;
    return fields;
  }

  /** Which limit of an item did not hold (read back after the cancellation). */
  async #refused(changes: readonly CounterChange[]): Promise<CounterChange> {
    const limited = changes.filter((c) => c.below !== undefined);
    const now = await this.read(changes[0]!.key).catch(() => ({}) as Record<string, number>);
    return limited.find((c) => (now[c.field] ?? 0) >= c.below!) ?? limited[0] ?? changes[0]!;
  }

  async #send<T>(call: () => Promise<T>, what: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new CounterStoreError(`budget counters: ${what}: ${(err as Error).message}`, { cause: err });
    }
  }
}
