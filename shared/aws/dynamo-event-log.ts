/**
 * The cloud event log: one item per received event (dedupe by event id at ingest, the source of
 * replay). `record` is a conditional put: the first writer wins, a later one learns the event was
 * seen and which jobs it made. Key layout: table-layout.ts.
 */
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Event } from "../events/event.ts";
import type { TableRef } from "./dynamo-document.ts";
import { EnqueueError, isConditionalCheckFailed } from "./errors.ts";
import { DEFAULT_RETENTION, ItemKind, eventGsi1, eventKey, expiresAt } from "./table-layout.ts";

export interface DynamoEventLogOptions {
  readonly table: TableRef;
  /** Days an event item is kept (the dedupe window). @default 30 */
  readonly retentionDays?: number;
}

export type RecordOutcome =
  | { readonly kind: "recorded" }
  /** Seen before: the jobs it made then. */
  | { readonly kind: "seen"; readonly jobIds: readonly string[] };

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
    try {
      await table.doc().send(
        new PutCommand({
          TableName: table.tableName,
          Item: {
            ...eventKey(event.id),
            ...eventGsi1(event.id, receivedAt),
            kind: ItemKind.EVENT,
            event_id: event.id,
            event,
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
    const seen = await table
      .doc()
      .send(new GetCommand({ TableName: table.tableName, Key: eventKey(event.id), ConsistentRead: true }));
    return { kind: "seen", jobIds: (seen.Item?.job_ids as string[] | undefined) ?? jobIds };
  }

  /** Removes an event's record (its jobs could not be sent: a redelivery must not be a duplicate). Best effort. */
  async forget(eventId: string): Promise<void> {
    const { table } = this.#o;
    await table
      .doc()
      .send(new DeleteCommand({ TableName: table.tableName, Key: eventKey(eventId) }))
      .catch(() => undefined);
  }
}
