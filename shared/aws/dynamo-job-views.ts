/**
 * Read-only views of the cloud table for the dashboard (`evd cloud ui`): the newest logged events
 * with their event and every job they made (replays included: `<job id>#replay-<n>` for each
 * replay the event item counts), job records by id, a job's runs. Built on the event log's index
 * (dynamo-event-log.ts, log-index.ts); only Query, GetItem and BatchGetItem.
 */
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Event, EventResult } from "../events/event.ts";
import type { JobRecord, JobState } from "../ports/job-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { handlerOfJobId, type DynamoEventLog } from "./dynamo-event-log.ts";
import { AwsAdapterError } from "./errors.ts";
import { batchGetItems, itemId } from "./log-index.ts";
import { TABLE_KEYS, eventKey, jobKey, runPartition } from "./table-layout.ts";

/** A logged event with the event itself and all its job ids, replays after the originals. */
export interface ViewedEvent {
  readonly event: Event;
  readonly receivedAt: string;
  readonly jobIds: readonly string[];
  /** Set when `queue_overflow: drop` dropped its jobs at intake. */
  readonly droppedReason?: string;
}

/** The original job ids, then `<job id>#replay-1..n` for each handler's replays. */
function withReplays(eventId: string, jobIds: readonly string[], replays: Readonly<Record<string, number>>): string[] {
  const out = [...jobIds];
  for (const root of jobIds) {
    const n = replays[handlerOfJobId(eventId, root)] ?? 0;
    for (let i = 1; i <= n; i++) out.push(`${root}#replay-${i}`);
  }
  return out;
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
  readonly #eventLog: DynamoEventLog;

  /** `eventLog` reads events (with the payload bucket, when the stack has one). */
  constructor(options: { readonly table: TableRef; readonly eventLog: DynamoEventLog }) {
    this.#table = options.table;
    this.#eventLog = options.eventLog;
  }

  /** Newest first; `since` (epoch ms) bounds the received time. */
  async recentEvents(query: { readonly limit: number; readonly since?: number }): Promise<ViewedEvent[]> {
    const logged = await this.#read("listing events", () => this.#eventLog.list(query));
    if (logged.length === 0) return [];
    const stored = await this.#read("reading events", () => this.#eventLog.read(logged.map((l) => l.eventId)));
    return logged.flatMap((l) => {
      const s = stored.get(l.eventId);
      if (!s) return []; // expired between the listing and the read
      return [
        {
          event: s.event,
          receivedAt: l.receivedAt,
          jobIds: withReplays(l.eventId, l.jobIds, s.replays),
          ...(l.droppedReason !== undefined ? { droppedReason: l.droppedReason } : {}),
        },
      ];
    });
  }

  async event(eventId: string): Promise<ViewedEvent | undefined> {
    const what = `reading event "${eventId}"`;
    const [stored, facts] = await Promise.all([
      this.#read(what, () => this.#eventLog.read([eventId])),
      this.#read(what, () =>
        this.#table.doc().send(
          new GetCommand({
            TableName: this.#table.tableName,
            Key: eventKey(eventId),
            ProjectionExpression: "job_ids, received_at, dropped_reason",
          }),
        ),
      ),
    ]);
    const s = stored.get(eventId);
    const item = facts.Item;
    if (!s || !item) return undefined;
    return {
      event: s.event,
      receivedAt: String(item.received_at ?? ""),
      jobIds: withReplays(eventId, (item.job_ids as string[] | undefined) ?? [], s.replays),
      ...(typeof item.dropped_reason === "string" ? { droppedReason: item.dropped_reason } : {}),
    };
  }

  /** The job records that exist among `jobIds` (a job not yet claimed has none). */
  async jobs(jobIds: readonly string[]): Promise<Map<string, JobRecord>> {
    const items = await this.#read("reading job records", () => batchGetItems(this.#table, jobIds.map(jobKey)));
    const found = new Map<string, JobRecord>();
    for (const id of jobIds) {
      const item = items.get(itemId(jobKey(id)));
      if (item) found.set(id, toJobRecord(item));
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
      if (err instanceof AwsAdapterError) throw err;
      throw new AwsAdapterError(`${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
