/**
 * THE codec of what travels on the job queue, for every sender (ingest, `evd cloud trigger`, the
 * watcher bridge, the runner re-offering a job, redrive) and the runner that reads it:
 *
 *   job message        body = the Job as JSON; attributes evd-job-id, evd-handler (DLQ listings
 *                      read them without parsing bodies); a dead letter adds evd-failure (the reason)
 *   claim check        a job whose message would pass SQS's 256 KiB: its event is in the payload
 *                      bucket, and the body's `event` keeps id, type, source and timestamp with
 *                      `payload_ref: {bucket, key}` instead of the payload (payload-store.ts).
 *                      The Job's `traceparent` (W3C, the event's admission span) carries the trace
 *                      from ingest to the runner; a malformed one is dropped on decode, never fatal.
 *   schedule message   what EventBridge Scheduler sends: {"kind":"schedule","schedule","scheduled_time"}
 *   gate check         the timer of an approval gate with a timeout, sent delayed by the runner that
 *                      parked the run: {"kind":"gate_check","job_id","parked_at"} (cloud-gates.ts)
 *
 * U+FFFE and U+FFFF are valid in JSON text (and so in a watched file) but SQS refuses them in a
 * message: the encoder writes them as JSON escapes, which decode back the same.
 */
import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { EVENT_TYPES, type Job } from "../events/event.ts";
import { PermanentError } from "../retry/retry-intent.ts";
import { isPayloadRef, type PayloadRef } from "./payload-store.ts";
import { parseTraceparent } from "../tracing/trace-context.ts";

/** SQS's limit on one message (body + attributes) and on one SendMessageBatch request. */
export const SQS_MESSAGE_LIMIT_BYTES = 256 * 1024;
/** Entries per SendMessageBatch / DeleteMessageBatch. */
export const SQS_BATCH_LIMIT = 10;
/** SQS's longest visibility timeout and delay. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
export const SQS_MAX_DELAY_SECONDS = 900;

export const JobMessageAttribute = {
  JOB_ID: "evd-job-id",
  HANDLER: "evd-handler",
  /** On dead letters the runner sent itself: why. */
  FAILURE: "evd-failure",
} as const;

export const SCHEDULE_MESSAGE_KIND = "schedule";
export const GATE_CHECK_MESSAGE_KIND = "gate_check";

/** A message that can never succeed (not JSON, not a job, an unknown schedule): dead-lettered at once. */
export class PermanentMessageError extends PermanentError {
  override readonly name = "PermanentMessageError";
}

export interface EncodedJobMessage {
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
}

export type QueueMessage =
  /** `payloadRef`: the job's event is in the payload bucket (its `event` here has no payload yet). */
  | { readonly kind: "job"; readonly job: Job; readonly payloadRef?: PayloadRef }
  | { readonly kind: "schedule"; readonly schedule: string; readonly scheduledTime: Date }
  /** Time to look at the gate the job `jobId` parked at `parkedAt` (epoch ms): its timeout may decide. */
  | { readonly kind: "gate_check"; readonly jobId: string; readonly parkedAt: number };

/** The body of a job message. */
export function jobMessageBody(job: Job): string {
  return sqsSafeJson(job);
}

/** JSON text SQS accepts: U+FFFE and U+FFFF written as JSON escapes (they decode back the same). */
function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

export function jobMessageAttributes(job: Pick<Job, "id" | "handler">): Record<string, MessageAttributeValue> {
  return {
    [JobMessageAttribute.JOB_ID]: { DataType: "String", StringValue: job.id },
    [JobMessageAttribute.HANDLER]: { DataType: "String", StringValue: job.handler },
  };
}

/** `ref`: the job's event was put in the payload bucket (claim check); the body carries the reference. */
export function encodeJobMessage(job: Job, ref?: PayloadRef): EncodedJobMessage {
  if (!ref) return { body: jobMessageBody(job), attributes: jobMessageAttributes(job) };
  const { payload: _payload, ...stub } = job.event;
  const referenced = { ...job, event: { ...stub, payload_ref: { bucket: ref.bucket, key: ref.key } } };
  return { body: jobMessageBody(referenced as unknown as Job), attributes: jobMessageAttributes(job) };
}

/** The bytes SQS counts for a message: the body plus each attribute's name, type and value. */
export function messageBytes(message: EncodedJobMessage): number {
  let n = Buffer.byteLength(message.body);
  for (const [name, value] of Object.entries(message.attributes)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? "") + Buffer.byteLength(value.StringValue ?? "");
  }
  return n;
}

/** The attributes a dead letter carries: the job's, plus the failure reason (SQS keeps 256 KiB; we keep 1,000 chars). */
export function deadLetterAttributes(
  job: Pick<Job, "id" | "handler"> | undefined,
  reason: string,
): Record<string, MessageAttributeValue> {
  return {
    ...(job ? jobMessageAttributes(job) : {}),
    [JobMessageAttribute.FAILURE]: { DataType: "String", StringValue: reason.slice(0, 1000) },
  };
}

/** The Scheduler target input of a schedule (infra/ puts it on each schedule; `<aws.scheduler.scheduled-time>` is filled in by AWS). */
export function scheduleMessageInput(schedule: string, scheduledTime: string): Record<string, string> {
  return { kind: SCHEDULE_MESSAGE_KIND, schedule, scheduled_time: scheduledTime };
}

/** The timer message of the gate job `jobId` parked at `parkedAt` (epoch ms). */
export function encodeGateCheckMessage(jobId: string, parkedAt: number): EncodedJobMessage {
  return {
    body: sqsSafeJson({ kind: GATE_CHECK_MESSAGE_KIND, job_id: jobId, parked_at: new Date(parkedAt).toISOString() }),
    attributes: { [JobMessageAttribute.JOB_ID]: { DataType: "String", StringValue: jobId } },
  };
}

/** Reads a queue message. Throws PermanentMessageError for anything that can never run. */
export function decodeQueueMessage(bodyText: string, now: Date): QueueMessage {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (err) {
    throw new PermanentMessageError(`message body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof body !== "object" || body === null) throw new PermanentMessageError("message body is not a JSON object");
  if ((body as { kind?: unknown }).kind === SCHEDULE_MESSAGE_KIND)
    return decodeSchedule(body as Record<string, unknown>);
  if ((body as { kind?: unknown }).kind === GATE_CHECK_MESSAGE_KIND)
    return decodeGateCheck(body as Record<string, unknown>);
  const { traceparent, ...job } = assertJob(body);
  const ref = (job.event as { payload_ref?: unknown }).payload_ref;
  return {
    kind: "job",
    job: {
      ...job,
      ...(parseTraceparent(traceparent) ? { traceparent } : {}),
      attempt: typeof job.attempt === "number" ? job.attempt : 1,
      enqueued_at: job.enqueued_at ?? now.toISOString(),
    },
    ...(isPayloadRef(ref) ? { payloadRef: ref } : {}),
  };
}

function decodeSchedule(msg: Record<string, unknown>): QueueMessage {
  const name = msg.schedule;
  if (typeof name !== "string" || !name) throw new PermanentMessageError('schedule message without a "schedule" name');
  const at = new Date(String(msg.scheduled_time));
  if (typeof msg.scheduled_time !== "string" || Number.isNaN(at.getTime())) {
    throw new PermanentMessageError(`schedule "${name}": bad scheduled_time "${String(msg.scheduled_time)}"`);
  }
  return { kind: "schedule", schedule: name, scheduledTime: at };
}

function decodeGateCheck(msg: Record<string, unknown>): QueueMessage {
  const jobId = msg.job_id;
  if (typeof jobId !== "string" || !jobId) throw new PermanentMessageError('gate check message without a "job_id"');
  const at = typeof msg.parked_at === "string" ? Date.parse(msg.parked_at) : NaN;
  if (Number.isNaN(at))
    throw new PermanentMessageError(`gate check of job "${jobId}": bad parked_at "${String(msg.parked_at)}"`);
  return { kind: "gate_check", jobId, parkedAt: at };
}

function assertJob(body: object): Job {
  const j = body as Partial<Job>;
  const problems: string[] = [];
  if (typeof j.id !== "string" || !j.id) problems.push("id (string)");
  if (typeof j.handler !== "string" || !j.handler) problems.push("handler (string)");
  const ev = j.event as Partial<Job["event"]> | undefined;
  if (typeof ev !== "object" || ev === null) problems.push("event (object)");
  else {
    if (typeof ev.id !== "string" || !ev.id) problems.push("event.id (string)");
    if (!EVENT_TYPES.includes(ev.type as Job["event"]["type"]))
      problems.push(`event.type (one of ${EVENT_TYPES.join(", ")})`);
    const referenced = isPayloadRef((ev as { payload_ref?: unknown }).payload_ref);
    if (!referenced && (typeof ev.payload !== "object" || ev.payload === null))
      problems.push("event.payload (object, or payload_ref)");
  }
  if (problems.length) throw new PermanentMessageError(`message is not a job: missing or bad ${problems.join(", ")}`);
  return j as Job;
}
