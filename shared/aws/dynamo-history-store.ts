/**
 * HistoryStore on DynamoDB: one item per run, listed newest first through GSI `gsi1`
 * (partition `HISTORY`, sort key `<started iso>#<job id>#<attempt>`). Handler and status filters
 * are applied while paging, until `limit` rows are collected.
 */
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { EventResult } from "../events/event.ts";
import type { Clock } from "../ports/clock.ts";
import type { HistoryQuery, HistoryStore } from "../ports/history-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { DEFAULT_RETENTION, GSI1_PARTITION, ItemKind, TABLE_KEYS, expiresAt, runGsi1, runKey } from "./table-layout.ts";

export interface DynamoHistoryStoreOptions {
  readonly table: TableRef;
  readonly clock: Clock;
  /** Days a run is kept. @default 90 */
  readonly retentionDays?: number;
  /** Rows returned when the query gives no limit. @default 50 */
  readonly defaultLimit?: number;
}

export class DynamoHistoryStore implements HistoryStore {
  readonly #table: TableRef;
  readonly #clock: Clock;
  readonly #retentionDays: number;
  readonly #defaultLimit: number;

  constructor(options: DynamoHistoryStoreOptions) {
    this.#table = options.table;
    this.#clock = options.clock;
    this.#retentionDays = options.retentionDays ?? DEFAULT_RETENTION.historyDays;
    this.#defaultLimit = options.defaultLimit ?? 50;
  }

  async append(result: EventResult): Promise<void> {
    const now = this.#clock.now();
    const started = result.started_at ?? result.finished_at ?? new Date(now).toISOString();
    const jobId = result.job_id ?? `${result.event_id}#${result.handler ?? "unknown"}`;
    const attempt = result.attempt ?? 1;
    await this.#table.doc().send(
      new PutCommand({
        TableName: this.#table.tableName,
        Item: {
          ...runKey(jobId, started, attempt),
          ...runGsi1(jobId, started, attempt),
          kind: ItemKind.RUN,
          job_id: jobId,
          handler: result.handler,
          status: result.status ?? (result.success ? "succeeded" : "failed"),
          started_ms: Date.parse(started),
          result,
          expires_at: expiresAt(now, this.#retentionDays),
        },
      }),
    );
  }

  async list(query: HistoryQuery = {}): Promise<EventResult[]> {
    const limit = query.limit ?? this.#defaultLimit;
    const out: EventResult[] = [];
    const names: Record<string, string> = { "#gpk": TABLE_KEYS.gsi1.partitionKey };
    const values: Record<string, unknown> = { ":gpk": GSI1_PARTITION.HISTORY };
    let keyCondition = "#gpk = :gpk";
    if (query.since !== undefined) {
      names["#gsk"] = TABLE_KEYS.gsi1.sortKey;
      values[":since"] = new Date(query.since).toISOString();
      keyCondition += " AND #gsk >= :since";
    }
    const filters: string[] = [];
    if (query.handler !== undefined) {
      filters.push("#handler = :handler");
      names["#handler"] = "handler";
      values[":handler"] = query.handler;
    }
    if (query.status !== undefined) {
      filters.push("#status = :status");
      names["#status"] = "status";
      values[":status"] = query.status;
    }
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#table.doc().send(
        new QueryCommand({
          TableName: this.#table.tableName,
          IndexName: TABLE_KEYS.gsi1.indexName,
          KeyConditionExpression: keyCondition,
          ...(filters.length ? { FilterExpression: filters.join(" AND ") } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: Math.max(limit, 25),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (out.length >= limit) break;
        out.push(item.result as EventResult);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && out.length < limit);
    return out;
  }
}
