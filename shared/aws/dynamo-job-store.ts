/**
 * JobStore on DynamoDB: exactly-once completion per job id on top of at-least-once delivery.
 * Every transition is one conditional UpdateItem; a failed condition is translated into the
 * port's answer (duplicate / busy) by looking at the item as it is.
 */
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { EventResult } from "../events/event.ts";
import { JobState, type ClaimOutcome, type JobRecord, type JobStore } from "../ports/job-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { AwsAdapterError, isConditionalCheckFailed } from "./errors.ts";
import { DEFAULT_RETENTION, ItemKind, expiresAt, jobKey } from "./table-layout.ts";

export interface DynamoJobStoreOptions {
  readonly table: TableRef;
  /** Days a job record is kept (dedupe window). @default 30 */
  readonly retentionDays?: number;
}

interface JobItem {
  job_id: string;
  state: JobState;
  lease_expires_at: number;
  attempts: number;
  result?: EventResult;
  updated_at: number;
}

function toRecord(item: Record<string, unknown>): JobRecord {
  const i = item as unknown as JobItem;
  return {
    jobId: i.job_id,
    state: i.state,
    leaseExpiresAt: Number(i.lease_expires_at),
    attempts: Number(i.attempts),
    ...(i.result ? { result: i.result } : {}),
    updatedAt: Number(i.updated_at),
  };
}

export class DynamoJobStore implements JobStore {
  readonly #table: TableRef;
  readonly #retentionDays: number;

  constructor(options: DynamoJobStoreOptions) {
    this.#table = options.table;
    this.#retentionDays = options.retentionDays ?? DEFAULT_RETENTION.jobDays;
  }

  async claim(jobId: string, leaseMs: number, now: number): Promise<ClaimOutcome> {
    try {
      const out = await this.#table.doc().send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: jobKey(jobId),
          ConditionExpression:
            "attribute_not_exists(pk) OR #state = :failed OR (#state = :inprog AND lease_expires_at < :now)",
          UpdateExpression:
            "SET #state = :inprog, job_id = :id, kind = :kind, lease_expires_at = :lease, attempts = if_not_exists(attempts, :zero) + :one, updated_at = :now, expires_at = :ttl REMOVE #result",
          ExpressionAttributeNames: { "#state": "state", "#result": "result" },
          ExpressionAttributeValues: {
            ":failed": JobState.FAILED,
            ":inprog": JobState.IN_PROGRESS,
            ":now": now,
            ":lease": now + leaseMs,
            ":zero": 0,
            ":one": 1,
            ":id": jobId,
            ":kind": ItemKind.JOB,
            ":ttl": expiresAt(now, this.#retentionDays),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return { kind: "claimed", record: toRecord(out.Attributes ?? {}) };
    } catch (err) {
      if (!isConditionalCheckFailed(err))
        throw new AwsAdapterError(`claiming job "${jobId}" failed: ${(err as Error).message}`, { cause: err });
    }
    const current = await this.get(jobId);
    if (!current) throw new AwsAdapterError(`claiming job "${jobId}": the condition failed but the item is gone`);
    return current.state === JobState.COMPLETED
      ? { kind: "duplicate", record: current }
      : { kind: "busy", record: current };
  }

  async complete(jobId: string, result: EventResult, now: number): Promise<void> {
    await this.#finish(jobId, JobState.COMPLETED, result, now, "attribute_exists(pk)");
  }

  async fail(jobId: string, result: EventResult, now: number): Promise<void> {
    // Never downgrade a job another runner already completed.
    await this.#finish(jobId, JobState.FAILED, result, now, "attribute_exists(pk) AND #state <> :completed", true);
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const out = await this.#table
      .doc()
      .send(new GetCommand({ TableName: this.#table.tableName, Key: jobKey(jobId), ConsistentRead: true }));
    return out.Item ? toRecord(out.Item) : undefined;
  }

  async #finish(
    jobId: string,
    state: JobState,
    result: EventResult,
    now: number,
    condition: string,
    toleratesCompleted = false,
  ): Promise<void> {
    try {
      await this.#table.doc().send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: jobKey(jobId),
          ConditionExpression: condition,
          UpdateExpression:
            "SET #state = :state, #result = :result, updated_at = :now, lease_expires_at = :now, expires_at = :ttl",
          ExpressionAttributeNames: { "#state": "state", "#result": "result" },
          ExpressionAttributeValues: {
            ":state": state,
            ":result": result,
            ":now": now,
            ":ttl": expiresAt(now, this.#retentionDays),
            ...(toleratesCompleted ? { ":completed": JobState.COMPLETED } : {}),
          },
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) {
        const current = await this.get(jobId);
        if (!current)
          throw new AwsAdapterError(`job "${jobId}" cannot become ${state}: it was never claimed`, { cause: err });
        if (toleratesCompleted && current.state === JobState.COMPLETED) return;
      }
      throw new AwsAdapterError(`marking job "${jobId}" ${state} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
