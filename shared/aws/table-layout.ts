/**
 * The single-table design of the cloud state (one DynamoDB table, mirrored by infra/):
 *
 * | item            | pk                        | sk                        | logpk            | logsk                              |
 * |-----------------|---------------------------|---------------------------|------------------|------------------------------------|
 * | job (dedupe)    | `JOB#<job id>`            | `JOB`                     |                  |                                    |
 * | event log       | `EVENT#<event id>`        | `EVENT`                   | `EVENTS#<shard>` | `<received iso>#<event id>`        |
 * | jobs sent       | `EVENT#<event id>`        | `SENT`                    |                  |                                    |
 * | history run     | `RUN#<job id>`            | `<started iso>#<attempt>` | `RUNS#<shard>`   | `<started iso>#<job id>#<attempt>` |
 * | last run        | `SCHEDULE#<name>`         | `LAST_RUN`                |                  |                                    |
 * | concurrency key | `CKEY#<handler>#<key>`    | `LEASE`                   |                  |                                    |
 * | handler state   | `STATE#<handler>`         | `<key>`                   |                  |                                    |
 * | budget counter  | `COUNTER#<counter key>`   | `COUNTER`                 |                  |                                    |
 * | storm breaker   | `BREAKER#<source>`        | `BREAKER`                 |                  |                                    |
 * | approval gate   | `GATE#<job id>`           | `GATE`                    | `GATES#<shard>`* | `<parked iso>#<job id>`*           |
 *
 * No write path has a hot partition. Base-table keys are per event, job, run, schedule or key.
 * The `log` index lists events and runs by time: its partition is one of `LOG_SHARDS` shards
 * picked by a hash of the event or job id, so the writes of a type spread over 16 index
 * partitions (DynamoDB gives each about 1,000 writes/s) instead of one; a query by time reads
 * the 16 shards and merges them newest first. The index projects only what the queries filter
 * on (kind, ids, handler, status), so an index write costs one write unit whatever the payload
 * (the event itself stays in the base item, read by key). (*) The gates' entries are sparse: a
 * gate is in the index only while it waits, so listing the waiting runs reads no decided one.
 *
 * Every item carries `expires_at` (epoch seconds, the table's TTL attribute) except last-run and
 * handler state, which live until overwritten or deleted. The guardrails' items (budget counters,
 * storm breaker) are keyed in guardrail-items.ts.
 * Items are documents (lib-dynamodb marshalling): the EventResult is a map, the event compressed
 * JSON (stored-event.ts, through shared/codec/payload-codec.ts).
 */
export const TABLE_KEYS = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expires_at",
  log: { indexName: "log", partitionKey: "logpk", sortKey: "logsk" },
} as const;

/** Partitions of the `log` index per item type (write sharding). Readers query all of them: never change it on a live table. */
export const LOG_SHARDS = 16;

/** The attributes the `log` index projects (besides the keys): what its queries filter on. */
export const LOG_PROJECTION = ["kind", "event_id", "job_ids", "dropped_reason", "job_id", "handler", "status"] as const;

export const ItemKind = {
  JOB: "job",
  EVENT: "event",
  /** The event's jobs are on the queue (written after the send). */
  EVENT_SENT: "event_sent",
  RUN: "run",
  LAST_RUN: "last_run",
  CONCURRENCY_KEY: "concurrency_key",
  HANDLER_STATE: "handler_state",
  /** A run stopped at an approval gate (dynamo-gate-store.ts). */
  GATE: "gate",
} as const;
export type ItemKind = (typeof ItemKind)[keyof typeof ItemKind];

export const LogPartition = { EVENTS: "EVENTS", RUNS: "RUNS", GATES: "GATES" } as const;
export type LogPartition = (typeof LogPartition)[keyof typeof LogPartition];

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export interface LogKey {
  readonly logpk: string;
  readonly logsk: string;
}

export const jobKey = (jobId: string): ItemKey => ({ pk: `JOB#${jobId}`, sk: "JOB" });
export const eventKey = (eventId: string): ItemKey => ({ pk: `EVENT#${eventId}`, sk: "EVENT" });
export const sentMarkerKey = (eventId: string): ItemKey => ({ pk: `EVENT#${eventId}`, sk: "SENT" });
export const lastRunKey = (schedule: string): ItemKey => ({ pk: `SCHEDULE#${schedule}`, sk: "LAST_RUN" });
export const concurrencyKey = (handler: string, key: string): ItemKey => ({
  pk: `CKEY#${handler}#${key}`,
  sk: "LEASE",
});
export const handlerStateKey = (handler: string, key: string): ItemKey => ({ pk: `STATE#${handler}`, sk: key });
export const gateKey = (jobId: string): ItemKey => ({ pk: `GATE#${jobId}`, sk: "GATE" });
/** The partition holding every run of a job. */
export const runPartition = (jobId: string): string => `RUN#${jobId}`;
export function runKey(jobId: string, startedAtIso: string, attempt: number): ItemKey {
  return { pk: runPartition(jobId), sk: `${startedAtIso}#${padAttempt(attempt)}` };
}

/** FNV-1a (32 bit) of the id, modulo the shard count: stable, cheap, evenly spread. */
export function logShardOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % LOG_SHARDS;
}

/** Every index partition of a type, for queries by time. */
export function logPartitions(type: LogPartition): string[] {
  return Array.from({ length: LOG_SHARDS }, (_, shard) => `${type}#${shard}`);
}

export function eventLogKey(eventId: string, receivedAtIso: string): LogKey {
  return { logpk: `${LogPartition.EVENTS}#${logShardOf(eventId)}`, logsk: `${receivedAtIso}#${eventId}` };
}

export function runLogKey(jobId: string, startedAtIso: string, attempt: number): LogKey {
  return {
    logpk: `${LogPartition.RUNS}#${logShardOf(jobId)}`,
    logsk: `${startedAtIso}#${jobId}#${padAttempt(attempt)}`,
  };
}

export function gateLogKey(jobId: string, parkedAtIso: string): LogKey {
  return { logpk: `${LogPartition.GATES}#${logShardOf(jobId)}`, logsk: `${parkedAtIso}#${jobId}` };
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
      { AttributeName: TABLE_KEYS.log.partitionKey, AttributeType: "S" as const },
      { AttributeName: TABLE_KEYS.log.sortKey, AttributeType: "S" as const },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: "HASH" as const },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE_KEYS.log.indexName,
        KeySchema: [
          { AttributeName: TABLE_KEYS.log.partitionKey, KeyType: "HASH" as const },
          { AttributeName: TABLE_KEYS.log.sortKey, KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "INCLUDE" as const, NonKeyAttributes: [...LOG_PROJECTION] },
      },
    ],
  };
}
