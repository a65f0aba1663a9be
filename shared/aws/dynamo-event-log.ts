/**
 * The cloud event log: one item per received event (dedupe by event id at ingest, the source of
 * replay), the event itself gzipped or, when too large, in the payload bucket (stored-event.ts).
 * `record` is a conditional put: the first writer wins, a later one learns the event was
 * seen, which jobs it made and whether they were sent (`confirmSent`: a crash between the record
 * and the send must not turn the redelivery into a duplicate). `list` reads it by time through the write-sharded `log` index
 * (no hot partition at any rate of events); `read` fetches logged events by id; `nextReplay`
 * numbers the replays of an (event, handler) pair. Key layout: table-layout.ts.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Event } from "../events/event.ts";
import type { TableRef } from "./dynamo-document.ts";
import { EnqueueError, isConditionalCheckFailed } from "./errors.ts";
import { batchGetItems, itemId, queryLog } from "./log-index.ts";
import type { S3PayloadStore } from "./payload-store.ts";
import { eventOfItem, storedEvent } from "./stored-event.ts";
import {
  DEFAULT_RETENTION,
  ItemKind,
  LogPartition,
  eventKey,
  eventLogKey,
  expiresAt,
  sentMarkerKey,
} from "./table-layout.ts";

/** An event-log entry as the index lists it. */
export interface LoggedEvent {
  readonly eventId: string;
  readonly receivedAt: string;
  readonly jobIds: readonly string[];
  /** Set when the event was accepted but its jobs dropped (queue_overflow: drop). */
  readonly droppedReason?: string;
}

export interface EventLogQuery {
  /** Epoch ms: events received at or after. */
  readonly since?: number;
  /** Only events that made a job for this handler. */
  readonly handler?: string;
  /** At most this many, newest first. */
  readonly limit: number;
}

/** The handler of a job id `<event id>#<handler>`. */
export function handlerOfJobId(eventId: string, jobId: string): string {
  return jobId.slice(eventId.length + 1);
}

export interface DynamoEventLogOptions {
  readonly table: TableRef;
  /** Where an event too large for its item goes (the claim check). @default none: such an event fails to record */
  readonly payloads?: S3PayloadStore;
  /** Days an event item is kept (the dedupe window). @default 30 */
  readonly retentionDays?: number;
}

export type RecordOutcome =
  | { readonly kind: "recorded" }
  /**
   * Seen before: the jobs it made then, and whether they are known to be on the queue (`sent`)
   * or were dropped at intake (`dropped`). Neither: the writer of the record may have died before
   * sending them, and whoever sees the record again must send them.
   */
  | { readonly kind: "seen"; readonly jobIds: readonly string[]; readonly sent: boolean; readonly dropped: boolean };

export class DynamoEventLog {
  readonly #o: DynamoEventLogOptions;

  constructor(options: DynamoEventLogOptions) {
    this.#o = options;
  }

  /** Records the event unless its id is logged already. Throws EnqueueError when DynamoDB fails. */
  async record(
    event: Event,
    jobIds: readonly string[],
    now: number,
    opts: { droppedReason?: string } = {},
  ): Promise<RecordOutcome> {
    const { table } = this.#o;
    const receivedAt = new Date(now).toISOString();
    let stored;
    try {
      stored = await storedEvent(event, this.#o.payloads);
    } catch (err) {
      throw new EnqueueError(`recording event "${event.id}" failed: ${(err as Error).message}`, { cause: err });
    }
    try {
      await table.doc().send(
        new PutCommand({
          TableName: table.tableName,
          Item: {
            ...eventKey(event.id),
            ...eventLogKey(event.id, receivedAt),
            kind: ItemKind.EVENT,
            event_id: event.id,
            ...stored,
            job_ids: jobIds,
            received_at: receivedAt,
            ...(opts.droppedReason !== undefined ? { dropped_reason: opts.droppedReason } : {}),
            expires_at: expiresAt(now, this.#o.retentionDays ?? DEFAULT_RETENTION.eventDays),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { kind: "recorded" };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) {
        throw new EnqueueError(`recording event "${event.id}" failed: ${(err as Error).message}`, { cause: err });
      }
    }
    const [seen, sent] = await Promise.all(
      [eventKey(event.id), sentMarkerKey(event.id)].map((Key) =>
        table.doc().send(new GetCommand({ TableName: table.tableName, Key, ConsistentRead: true })),
      ),
    );
    return {
      kind: "seen",
      jobIds: (seen!.Item?.job_ids as string[] | undefined) ?? jobIds,
      sent: sent!.Item !== undefined,
      dropped: typeof seen!.Item?.dropped_reason === "string",
    };
  }

  /**
   * Marks the event's jobs as sent: a small item next to the event's (one write unit, where updating
   * the event item would cost its whole size). Until it exists, a redelivery sends the jobs again.
   */
  async confirmSent(eventId: string, now: number): Promise<void> {
    const { table } = this.#o;
    await table.doc().send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...sentMarkerKey(eventId),
          kind: ItemKind.EVENT_SENT,
          expires_at: expiresAt(now, this.#o.retentionDays ?? DEFAULT_RETENTION.eventDays),
        },
      }),
    );
  }

  /** Removes an event's record (its jobs could not be sent: a redelivery must not be a duplicate). Best effort. */
  async forget(eventId: string): Promise<void> {
    const { table } = this.#o;
    await table
      .doc()
      .send(new DeleteCommand({ TableName: table.tableName, Key: eventKey(eventId) }))
      .catch(() => undefined);
  }

  /** Logged events, newest first. */
  async list(query: EventLogQuery): Promise<LoggedEvent[]> {
    const items = await queryLog(this.#o.table, LogPartition.EVENTS, {
      limit: query.limit,
      ...(query.since !== undefined ? { since: query.since } : {}),
      accept: (item) => {
        if (item.kind !== ItemKind.EVENT) return false;
        if (query.handler === undefined) return true;
        const eventId = String(item.event_id);
        return ((item.job_ids ?? []) as string[]).some((j) => handlerOfJobId(eventId, j) === query.handler);
      },
    });
    return items.map((item) => ({
      eventId: String(item.event_id),
      receivedAt: String(item.logsk).slice(0, String(item.logsk).indexOf("#")),
      jobIds: (item.job_ids ?? []) as string[],
      ...(typeof item.dropped_reason === "string" ? { droppedReason: item.dropped_reason } : {}),
    }));
  }

  /** The logged events with these ids (missing ones absent), and how many replays each handler had. */
  async read(
    eventIds: readonly string[],
  ): Promise<Map<string, { readonly event: Event; readonly replays: Readonly<Record<string, number>> }>> {
    const items = await batchGetItems(this.#o.table, eventIds.map(eventKey));
    const out = new Map<string, { event: Event; replays: Record<string, number> }>();
    for (const id of eventIds) {
      const item = items.get(itemId(eventKey(id)));
      if (!item) continue;
      const replays: Record<string, number> = {};
      for (const [k, v] of Object.entries(item))
        if (k.startsWith(REPLAYS_PREFIX)) replays[k.slice(REPLAYS_PREFIX.length)] = Number(v);
      out.set(id, { event: await eventOfItem(item, this.#o.payloads), replays });
    }
    return out;
  }

  /** The number of the next replay of the event's job for `handler` (1, 2, ...): unique, even for concurrent replays. */
  async nextReplay(eventId: string, handler: string): Promise<number> {
    const { table } = this.#o;
    const out = await table.doc().send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: eventKey(eventId),
        ConditionExpression: "attribute_exists(pk)",
        UpdateExpression: "SET #r = if_not_exists(#r, :zero) + :one",
        ExpressionAttributeNames: { "#r": `${REPLAYS_PREFIX}${handler}` },
        ExpressionAttributeValues: { ":zero": 0, ":one": 1 },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(out.Attributes?.[`${REPLAYS_PREFIX}${handler}`]);
  }
}

/** Top-level attributes `replays:<handler>` of an event item count its replays (ADD/SET work on top-level names). */
const REPLAYS_PREFIX = "replays:";
