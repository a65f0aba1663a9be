/**
 * The single-table design of the cloud state (one DynamoDB table, mirrored by infra/):
 *
 * | item            | pk                        | sk                               | gsi1pk    | gsi1sk                         |
 * |-----------------|---------------------------|----------------------------------|-----------|--------------------------------|
 * | job (dedupe)    | `JOB#<job id>`            | `JOB`                            |           |                                |
 * | event log       | `EVENT#<event id>`        | `EVENT`                          | `EVENTS`  | `<received iso>#<event id>`    |
 * | history run     | `RUN#<job id>`            | `<started iso>#<attempt>`        | `HISTORY` | `<started iso>#<job id>#<attempt>` |
 * | last run        | `SCHEDULE#<name>`         | `LAST_RUN`                       |           |                                |
 * | concurrency key | `CKEY#<handler>#<key>`    | `LEASE`                          |           |                                |
 * | handler state   | `STATE#<handler>`         | `<key>`                          |           |                                |
 *
 * Every item carries `expires_at` (epoch seconds, the table's TTL attribute) except last-run and
 * handler state, which live until overwritten or deleted.
 * Items are documents (lib-dynamodb marshalling): the EventResult and the Event are maps.
 */
export const TABLE_KEYS = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expires_at",
  gsi1: { indexName: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
} as const;

export const ItemKind = {
  JOB: "job",
  EVENT: "event",
  RUN: "run",
  LAST_RUN: "last_run",
  CONCURRENCY_KEY: "concurrency_key",
  HANDLER_STATE: "handler_state",
} as const;
export type ItemKind = (typeof ItemKind)[keyof typeof ItemKind];

export const GSI1_PARTITION = { EVENTS: "EVENTS", HISTORY: "HISTORY" } as const;

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export const jobKey = (jobId: string): ItemKey => ({ pk: `JOB#${jobId}`, sk: "JOB" });
export const eventKey = (eventId: string): ItemKey => ({ pk: `EVENT#${eventId}`, sk: "EVENT" });
export const lastRunKey = (schedule: string): ItemKey => ({ pk: `SCHEDULE#${schedule}`, sk: "LAST_RUN" });
export const concurrencyKey = (handler: string, key: string): ItemKey => ({
  pk: `CKEY#${handler}#${key}`,
  sk: "LEASE",
});
export const handlerStateKey = (handler: string, key: string): ItemKey => ({ pk: `STATE#${handler}`, sk: key });
/** The partition holding every run of a job. */
export const runPartition = (jobId: string): string => `RUN#${jobId}`;
export function runKey(jobId: string, startedAtIso: string, attempt: number): ItemKey {
  return { pk: runPartition(jobId), sk: `${startedAtIso}#${padAttempt(attempt)}` };
}
export function runGsi1(jobId: string, startedAtIso: string, attempt: number): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: GSI1_PARTITION.HISTORY, gsi1sk: `${startedAtIso}#${jobId}#${padAttempt(attempt)}` };
}
export function eventGsi1(eventId: string, receivedAtIso: string): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: GSI1_PARTITION.EVENTS, gsi1sk: `${receivedAtIso}#${eventId}` };
}

function padAttempt(n: number): string {
  return String(n).padStart(4, "0");
}

/** Epoch seconds `days` after `nowMs`: the value of the TTL attribute. */
export function expiresAt(nowMs: number, days: number): number {
  return Math.floor(nowMs / 1000) + Math.round(days * 86_400);
}

/** How long items live before TTL removes them. */
export interface RetentionOptions {
  /** Job dedupe records. @default 30 */
  readonly jobDays?: number;
  /** Event log (replay source and ingest dedupe). @default 30 */
  readonly eventDays?: number;
  /** History runs. @default 90 */
  readonly historyDays?: number;
}

export const DEFAULT_RETENTION = {
  jobDays: 30,
  eventDays: 30,
  historyDays: 90,
} as const satisfies Required<RetentionOptions>;

/** The CreateTable input for this layout (used by tests and by anyone creating the table by hand). */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: "S" as const },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: "S" as const },
      { AttributeName: TABLE_KEYS.gsi1.partitionKey, AttributeType: "S" as const },
      { AttributeName: TABLE_KEYS.gsi1.sortKey, AttributeType: "S" as const },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: "HASH" as const },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE_KEYS.gsi1.indexName,
        KeySchema: [
          { AttributeName: TABLE_KEYS.gsi1.partitionKey, KeyType: "HASH" as const },
          { AttributeName: TABLE_KEYS.gsi1.sortKey, KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      },
    ],
  };
}
