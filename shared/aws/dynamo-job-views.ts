/**
 * Read-only views of the cloud table for the dashboard (`evd cloud ui`): the newest logged events
 * with the jobs each made, job records by id, a job's runs. Only Query, GetItem and BatchGetItem:
 * what a read-only operator role allows. Key layout: table-layout.ts.
 */
import { BatchGetCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Event, EventResult } from "../events/event.ts";
import type { JobRecord, JobState } from "../ports/job-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { AwsAdapterError } from "./errors.ts";
import { GSI1_PARTITION, TABLE_KEYS, eventKey, jobKey, runPartition } from "./table-layout.ts";

export interface LoggedEvent {
  readonly event: Event;
  readonly jobIds: readonly string[];
  readonly receivedAt: string;
  /** Set when `queue_overflow: drop` dropped its jobs at ingest. */
  readonly droppedReason?: string;
}

/** BatchGetItem's limit of keys per request. */
const BATCH_GET_LIMIT = 100;
/** Rounds of retrying UnprocessedKeys before giving up. */
const UNPROCESSED_ROUNDS = 5;

function toLoggedEvent(item: Record<string, unknown>): LoggedEvent {
  return {
    event: item.event as Event,
    jobIds: (item.job_ids as string[] | undefined) ?? [],
    receivedAt: String(item.received_at ?? ""),
    ...(typeof item.dropped_reason === "string" ? { droppedReason: item.dropped_reason } : {}),
  };
}

function toJobRecord(item: Record<string, unknown>): JobRecord {
  return {
    jobId: String(item.job_id),
    state: item.state as JobState,
    leaseExpiresAt: Number(item.lease_expires_at ?? 0),
    attempts: Number(item.attempts ?? 0),
    ...(item.result ? { result: item.result as EventResult } : {}),
    updatedAt: Number(item.updated_at ?? 0),
  };
}

export class DynamoJobViews {
  readonly #table: TableRef;

  constructor(options: { readonly table: TableRef }) {
    this.#table = options.table;
  }

  /** Newest first; `since` (epoch ms) bounds the received time. */
  async recentEvents(query: { readonly limit: number; readonly since?: number }): Promise<LoggedEvent[]> {
    const names: Record<string, string> = { "#gpk": TABLE_KEYS.gsi1.partitionKey };
    const values: Record<string, unknown> = { ":gpk": GSI1_PARTITION.EVENTS };
    let condition = "#gpk = :gpk";
    if (query.since !== undefined) {
      names["#gsk"] = TABLE_KEYS.gsi1.sortKey;
      values[":since"] = new Date(query.since).toISOString();
      condition += " AND #gsk >= :since";
    }
    const out: LoggedEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#read("listing events", () =>
        this.#table.doc().send(
          new QueryCommand({
            TableName: this.#table.tableName,
            IndexName: TABLE_KEYS.gsi1.indexName,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            Limit: query.limit - out.length,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) if (item.event) out.push(toLoggedEvent(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && out.length < query.limit);
    return out;
  }

  async event(eventId: string): Promise<LoggedEvent | undefined> {
    const out = await this.#read(`reading event "${eventId}"`, () =>
      this.#table.doc().send(new GetCommand({ TableName: this.#table.tableName, Key: eventKey(eventId) })),
    );
    return out.Item ? toLoggedEvent(out.Item) : undefined;
  }

  /** The job records that exist among `jobIds` (a job not yet claimed has none). */
  async jobs(jobIds: readonly string[]): Promise<Map<string, JobRecord>> {
    const found = new Map<string, JobRecord>();
    const unique = [...new Set(jobIds)];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] = unique.slice(i, i + BATCH_GET_LIMIT).map((id) => ({ ...jobKey(id) }));
      for (let round = 0; keys.length > 0; round++) {
        if (round === UNPROCESSED_ROUNDS)
          throw new AwsAdapterError("reading job records: DynamoDB kept them unprocessed");
        const out = await this.#read("reading job records", () =>
          this.#table.doc().send(new BatchGetCommand({ RequestItems: { [this.#table.tableName]: { Keys: keys } } })),
        );
        for (const item of out.Responses?.[this.#table.tableName] ?? []) {
          const record = toJobRecord(item);
          found.set(record.jobId, record);
        }
        keys = (out.UnprocessedKeys?.[this.#table.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return found;
  }

  /** Every run of a job, oldest first, with its step trace. */
  async runsOf(jobId: string): Promise<EventResult[]> {
    const out = await this.#read(`reading the runs of "${jobId}"`, () =>
      this.#table.doc().send(
        new QueryCommand({
          TableName: this.#table.tableName,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": TABLE_KEYS.partitionKey },
          ExpressionAttributeValues: { ":pk": runPartition(jobId) },
          ScanIndexForward: true,
        }),
      ),
    );
    return (out.Items ?? []).map((i) => i.result as EventResult).filter((r) => r !== undefined);
  }

  async #read<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new AwsAdapterError(`${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
