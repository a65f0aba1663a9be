/**
 * Runs waiting at an approval gate in the cloud: one item per job, `GATE#<job id>` (table-layout.ts),
 * holding the gate, the run's snapshot and the job message to send again (both gzipped JSON), and
 * listed through the write-sharded `log` index while it waits (a sparse entry, removed by the
 * decision). The job's own record stays FAILED (claimable) with its parked result, as the runner
 * left it, so the resumed run can claim it.
 *
 *   park     Put, if no gate waits for the job (absent, or the previous gate was approved: the
 *            resumed run stopped at a later one)
 *   approve  one transaction: the gate PARKED -> APPROVED (its decision and the digest of the
 *            resume it allows), the job record's attempts back to 0 (it must still be FAILED)
 *   deny     one transaction: the gate PARKED -> DENIED, the job record COMPLETED with the denied
 *            result, and that result's history item
 *
 * Every decision is conditional on the gate still waiting, parked at the same time: a second
 * decision, or one about a gate that was replaced meanwhile, changes nothing and is refused.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { EventResult } from "../events/event.ts";
import type { ParkedJob } from "../events/gate-decisions.ts";
import { gateDeadline } from "../events/gate-decisions.ts";
import type { ApprovalGate, GateDecision, ParkedRun } from "../events/parked-run.ts";
import { JobState } from "../ports/job-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { runItem } from "./dynamo-history-store.ts";
import { AwsAdapterError, isConditionalCheckFailed } from "./errors.ts";
import { batchGetItems, itemId, queryLog } from "./log-index.ts";
import {
  DEFAULT_RETENTION,
  expiresAt,
  gateKey,
  gateLogKey,
  ItemKind,
  jobKey,
  LogPartition,
  TABLE_KEYS,
} from "./table-layout.ts";

export const GateState = { PARKED: "PARKED", APPROVED: "APPROVED", DENIED: "DENIED" } as const;
export type GateState = (typeof GateState)[keyof typeof GateState];

/** DynamoDB's limit on one item; a gate item must fit, keys and attribute names included. */
export const DYNAMO_ITEM_LIMIT_BYTES = 400 * 1024;
/** Room kept in a gate item for its keys, names, ids and decision. */
const GATE_ITEM_OVERHEAD_BYTES = 8 * 1024;

/** A run waiting (or once waiting) at a gate, as the table keeps it. */
export interface GateRecord {
  readonly jobId: string;
  readonly eventId: string;
  readonly handler: string;
  readonly state: GateState;
  readonly parked: ParkedRun;
  /** Epoch ms the run stopped at the gate: identifies this parking among the job's gates. */
  readonly parkedAt: number;
  /** Epoch ms the gate's timeout decides, if it has one. */
  readonly deadline?: number;
  /** The attempt that stopped at the gate. */
  readonly attempt: number;
  /** The job message to send again once approved (as it arrived, without a `resume`). */
  readonly message: string;
  readonly decision?: GateDecision;
  /** Approved: the digest of the one resume the runner may continue the run with. */
  readonly resumeDigest?: string;
  /** Approved: when its resume message was sent. */
  readonly resumeSentAt?: number;
}

export interface ParkInput {
  readonly jobId: string;
  readonly eventId: string;
  readonly handler: string;
  readonly parked: ParkedRun;
  readonly attempt: number;
  readonly message: string;
  readonly now: number;
}

/** The gate item would not fit DynamoDB's 400 KB: the run cannot wait in the table. */
export class GateTooLargeError extends AwsAdapterError {
  override readonly name = "GateTooLargeError";
}

/** A decision the table refused: the gate no longer waits as it was read (decided, replaced), or the job record moved. */
export class GateConflictError extends AwsAdapterError {
  override readonly name = "GateConflictError";
}

export interface DynamoGateStoreOptions {
  readonly table: TableRef;
  /** Days a gate item is kept, like the job record it belongs to. @default 30 */
  readonly retentionDays?: number;
}

const gz = (text: string): Uint8Array => gzipSync(text);
const gunzip = (bytes: unknown): string => gunzipSync(bytes as Uint8Array).toString("utf8");

export class DynamoGateStore {
  readonly #table: TableRef;
  readonly #retentionDays: number;

  constructor(options: DynamoGateStoreOptions) {
    this.#table = options.table;
    this.#retentionDays = options.retentionDays ?? DEFAULT_RETENTION.jobDays;
  }

  /** Keeps a run stopped at its gate. Throws GateTooLargeError when it cannot fit an item. */
  async park(p: ParkInput): Promise<GateRecord> {
    const parkedGz = gz(JSON.stringify(p.parked));
    const messageGz = gz(p.message);
    const gateBytes = Buffer.byteLength(JSON.stringify(p.parked.gate));
    const bytes = parkedGz.length + messageGz.length + gateBytes + GATE_ITEM_OVERHEAD_BYTES;
    if (bytes > DYNAMO_ITEM_LIMIT_BYTES)
      throw new GateTooLargeError(
        `the run of job "${p.jobId}" at the gate of stage "${p.parked.gate.stage}" takes about ${bytes} bytes gzipped (its outputs so far, its message and the gate's prompt): over the ${DYNAMO_ITEM_LIMIT_BYTES} bytes of a DynamoDB item`,
      );
    const deadline = gateDeadline(p.parked.gate, p.now);
    const parkedIso = new Date(p.now).toISOString();
    try {
      await this.#table.doc().send(
        new PutCommand({
          TableName: this.#table.tableName,
          Item: {
            ...gateKey(p.jobId),
            ...gateLogKey(p.jobId, parkedIso),
            kind: ItemKind.GATE,
            job_id: p.jobId,
            event_id: p.eventId,
            handler: p.handler,
            // The index projects `status`: the listing tells a waiting run by it.
            status: "parked",
            state: GateState.PARKED,
            gate: p.parked.gate,
            parked_gz: parkedGz,
            message_gz: messageGz,
            parked_at: p.now,
            ...(deadline !== undefined ? { deadline } : {}),
            attempt: p.attempt,
            expires_at: expiresAt(p.now, this.#retentionDays),
          },
          ConditionExpression: "attribute_not_exists(pk) OR #state = :approved",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":approved": GateState.APPROVED },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err))
        throw new GateConflictError(`job "${p.jobId}" already waits at an approval gate (or was denied at one)`, {
          cause: err,
        });
      throw new AwsAdapterError(`parking job "${p.jobId}" failed: ${(err as Error).message}`, { cause: err });
    }
    return {
      jobId: p.jobId,
      eventId: p.eventId,
      handler: p.handler,
      state: GateState.PARKED,
      parked: p.parked,
      parkedAt: p.now,
      ...(deadline !== undefined ? { deadline } : {}),
      attempt: p.attempt,
      message: p.message,
    };
  }

  /** The job's gate item (strongly consistent), undefined when it never stopped at a gate (or it expired). */
  async get(jobId: string): Promise<GateRecord | undefined> {
    const out = await this.#table
      .doc()
      .send(new GetCommand({ TableName: this.#table.tableName, Key: gateKey(jobId), ConsistentRead: true }));
    return out.Item ? recordOf(out.Item) : undefined;
  }

  /** The runs waiting at a gate, the longest-waiting first (at most `limit`). */
  async listParked(limit = 1000): Promise<ParkedJob[]> {
    const rows = await queryLog(this.#table, LogPartition.GATES, { limit });
    const keys = rows.map((r) => ({ pk: String(r[TABLE_KEYS.partitionKey]), sk: String(r[TABLE_KEYS.sortKey]) }));
    const items = await batchGetItems(this.#table, keys, {
      projection: ["job_id", "event_id", "handler", "gate", "parked_at", "deadline", "state"],
    });
    return keys
      .flatMap((k) => {
        const item = items.get(itemId(k));
        return item && item.state === GateState.PARKED ? [item] : [];
      })
      .map((item) => ({
        id: String(item.job_id),
        eventId: String(item.event_id),
        handler: String(item.handler),
        gate: item.gate as ApprovalGate,
        parkedAt: new Date(Number(item.parked_at)).toISOString(),
        ...(item.deadline !== undefined ? { decidesAt: new Date(Number(item.deadline)).toISOString() } : {}),
      }))
      .reverse();
  }

  /** PARKED -> APPROVED, and the job record's attempts back to 0. GateConflictError when either moved. */
  async approve(gate: GateRecord, decision: GateDecision, resumeDigest: string, now: number): Promise<void> {
    await this.#decide(gate, [
      {
        Update: {
          TableName: this.#table.tableName,
          Key: gateKey(gate.jobId),
          ...this.#decided(gate, GateState.APPROVED, decision, now, { resume_digest: resumeDigest }),
        },
      },
      {
        Update: {
          TableName: this.#table.tableName,
          Key: jobKey(gate.jobId),
          ConditionExpression: "#state = :failed",
          UpdateExpression: "SET attempts = :zero, updated_at = :now",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":failed": JobState.FAILED, ":zero": 0, ":now": now },
        },
      },
    ]);
  }

  /** PARKED -> DENIED, the job COMPLETED with `result`, and `result` in the history. */
  async deny(gate: GateRecord, decision: GateDecision, result: EventResult, now: number): Promise<void> {
    await this.#decide(gate, [
      {
        Update: {
          TableName: this.#table.tableName,
          Key: gateKey(gate.jobId),
          ...this.#decided(gate, GateState.DENIED, decision, now, {}),
        },
      },
      {
        Update: {
          TableName: this.#table.tableName,
          Key: jobKey(gate.jobId),
          ConditionExpression: "#state = :failed",
          UpdateExpression:
            "SET #state = :completed, #result = :result, updated_at = :now, lease_expires_at = :now, expires_at = :ttl",
          ExpressionAttributeNames: { "#state": "state", "#result": "result" },
          ExpressionAttributeValues: {
            ":failed": JobState.FAILED,
            ":completed": JobState.COMPLETED,
            ":result": result,
            ":now": now,
            ":ttl": expiresAt(now, this.#retentionDays),
          },
        },
      },
      { Put: { TableName: this.#table.tableName, Item: runItem(result, now) } },
    ]);
  }

  /** Notes that the approved gate's resume message was sent (an approve after this one is refused). */
  async markResumeSent(jobId: string, resumeDigest: string, now: number): Promise<void> {
    try {
      await this.#table.doc().send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: gateKey(jobId),
          ConditionExpression: "#state = :approved AND resume_digest = :digest",
          UpdateExpression: "SET resume_sent_at = :now",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":approved": GateState.APPROVED, ":digest": resumeDigest, ":now": now },
        }),
      );
    } catch (err) {
      // The run already went on (it parked again at a later gate): nothing left to note.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /** The update of the gate item for a decision: only while it still waits, parked when it was read. */
  #decided(gate: GateRecord, state: GateState, decision: GateDecision, now: number, extra: Record<string, unknown>) {
    const sets = Object.keys(extra).map((name) => `${name} = :${name}`);
    return {
      ConditionExpression: "#state = :parked AND parked_at = :parkedAt",
      UpdateExpression: `SET #state = :state, decision = :decision, decided_at = :now, #status = :status${sets.map((s) => `, ${s}`).join("")} REMOVE ${TABLE_KEYS.log.partitionKey}, ${TABLE_KEYS.log.sortKey}`,
      ExpressionAttributeNames: { "#state": "state", "#status": "status" },
      ExpressionAttributeValues: {
        ":parked": GateState.PARKED,
        ":parkedAt": gate.parkedAt,
        ":state": state,
        ":decision": decision,
        ":now": now,
        ":status": state === GateState.APPROVED ? "approved" : "denied",
        ...Object.fromEntries(Object.entries(extra).map(([name, value]) => [`:${name}`, value])),
      },
    };
  }

  async #decide(gate: GateRecord, items: NonNullable<TransactWriteCommand["input"]["TransactItems"]>): Promise<void> {
    try {
      await this.#table.doc().send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (!isConditionalCheckFailed(err))
        throw new AwsAdapterError(`deciding the gate of job "${gate.jobId}" failed: ${(err as Error).message}`, {
          cause: err,
        });
      const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      throw new GateConflictError(
        reasons[0]?.Code === "ConditionalCheckFailed" || reasons.length === 0
          ? `the gate of job "${gate.jobId}" was decided or replaced meanwhile`
          : `the job record of "${gate.jobId}" is no longer FAILED as its gate left it (gone, or run meanwhile)`,
        { cause: err },
      );
    }
  }
}

function recordOf(item: Record<string, unknown>): GateRecord {
  return {
    jobId: String(item.job_id),
    eventId: String(item.event_id),
    handler: String(item.handler),
    state: item.state as GateState,
    parked: JSON.parse(gunzip(item.parked_gz)) as ParkedRun,
    parkedAt: Number(item.parked_at),
    ...(item.deadline !== undefined ? { deadline: Number(item.deadline) } : {}),
    attempt: Number(item.attempt),
    message: gunzip(item.message_gz),
    ...(item.decision !== undefined ? { decision: item.decision as GateDecision } : {}),
    ...(typeof item.resume_digest === "string" ? { resumeDigest: item.resume_digest } : {}),
    ...(item.resume_sent_at !== undefined ? { resumeSentAt: Number(item.resume_sent_at) } : {}),
  };
}
