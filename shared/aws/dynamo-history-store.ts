/**
 * HistoryStore on DynamoDB: one item per run, listed newest first through the write-sharded `log`
 * index (partitions `RUNS#<shard>`, sort key `<started iso>#<job id>#<attempt>`; table-layout.ts).
 * Handler and status filters apply to the index's projected attributes while paging; the runs
 * kept are then read by key (BatchGetItem) for their full EventResult.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { EventResult } from "../events/event.ts";
import type { Clock } from "../ports/clock.ts";
import type { HistoryQuery, HistoryStore } from "../ports/history-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { batchGetItems, itemId, queryLog } from "./log-index.ts";
import { DEFAULT_RETENTION, ItemKind, LogPartition, expiresAt, runKey, runLogKey } from "./table-layout.ts";

export interface DynamoHistoryStoreOptions {
  readonly table: TableRef;
  readonly clock: Clock;
  /** Days a run is kept. @default 90 */
  readonly retentionDays?: number;
  /** Rows returned when the query gives no limit. @default 50 */
  readonly defaultLimit?: number;
}

/** The history item of one run (also written inside a transaction, by a gate's denial). */
export function runItem(
  result: EventResult,
  now: number,
  retentionDays: number = DEFAULT_RETENTION.historyDays,
): Record<string, unknown> {
  const started = result.started_at ?? result.finished_at ?? new Date(now).toISOString();
  const jobId = result.job_id ?? `${result.event_id}#${result.handler ?? "unknown"}`;
  const attempt = result.attempt ?? 1;
  return {
    ...runKey(jobId, started, attempt),
    ...runLogKey(jobId, started, attempt),
    kind: ItemKind.RUN,
    job_id: jobId,
    handler: result.handler,
    status: result.status ?? (result.success ? "succeeded" : "failed"),
    started_ms: Date.parse(started),
    result,
    expires_at: expiresAt(now, retentionDays),
  };
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
    await this.#table.doc().send(
      new PutCommand({
        TableName: this.#table.tableName,
        Item: runItem(result, this.#clock.now(), this.#retentionDays),
      }),
    );
  }

  async list(query: HistoryQuery = {}): Promise<EventResult[]> {
    const limit = query.limit ?? this.#defaultLimit;
    if (limit <= 0) return [];
    const rows = await queryLog(this.#table, LogPartition.RUNS, {
      limit,
      ...(query.since !== undefined ? { since: query.since } : {}),
      accept: (item) =>
        (query.handler === undefined || item.handler === query.handler) &&
        (query.status === undefined || item.status === query.status),
    });
    const items = await batchGetItems(
      this.#table,
      rows.map((r) => ({ pk: String(r.pk), sk: String(r.sk) })),
      { projection: ["result"] },
    );
    return rows.flatMap((r) => {
      const item = items.get(itemId({ pk: String(r.pk), sk: String(r.sk) }));
      return item ? [item.result as EventResult] : [];
    });
  }
}
