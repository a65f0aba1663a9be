/** A finished span as the daemon keeps it (and `evd daemon trace` reads it): plain data. */
import type { AttributeValue } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

export const SpanStatus = { OK: "ok", ERROR: "error", UNSET: "unset" } as const;
export type SpanStatus = (typeof SpanStatus)[keyof typeof SpanStatus];

/** The attribute every span of an event carries (what the store indexes spans by). */
export const EVENT_ID_ATTRIBUTE = "evd.event.id";
/** The attribute only admission spans carry. */
export const ADMISSION_OUTCOME_ATTRIBUTE = "evd.admission.outcome";

export function isAdmissionSpan(span: Pick<SpanRecord, "attributes">): boolean {
  return span.attributes[ADMISSION_OUTCOME_ATTRIBUTE] !== undefined;
}

export interface SpanRecord {
  readonly trace_id: string;
  readonly span_id: string;
  readonly parent_span_id?: string;
  readonly event_id?: string;
  readonly name: string;
  /** Epoch ms. */
  readonly start_ms: number;
  readonly end_ms: number;
  readonly status: SpanStatus;
  readonly status_message?: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** Where finished spans are kept: the daemon's embedded store; memory in tests. */
export interface SpanStore {
  append(spans: readonly SpanRecord[]): Promise<void>;
  /** The spans of this event (the ones carrying its `evd.event.id`), oldest first. */
  spansOfEvent(eventId: string): Promise<SpanRecord[]>;
}

function epochMs(time: readonly [number, number]): number {
  return time[0] * 1000 + Math.round(time[1] / 1e6);
}

const STATUS_OF_CODE: Record<number, SpanStatus> = { 0: SpanStatus.UNSET, 1: SpanStatus.OK, 2: SpanStatus.ERROR };

export function spanRecordOf(span: ReadableSpan): SpanRecord {
  const ctx = span.spanContext();
  const attributes: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(span.attributes)) if (v !== undefined) attributes[k] = v;
  const eventId = attributes[EVENT_ID_ATTRIBUTE];
  return {
    trace_id: ctx.traceId,
    span_id: ctx.spanId,
    ...(span.parentSpanContext ? { parent_span_id: span.parentSpanContext.spanId } : {}),
    ...(typeof eventId === "string" ? { event_id: eventId } : {}),
    name: span.name,
    start_ms: epochMs(span.startTime),
    end_ms: epochMs(span.endTime),
    status: STATUS_OF_CODE[span.status.code] ?? SpanStatus.UNSET,
    ...(span.status.message ? { status_message: span.status.message } : {}),
    attributes,
  };
}
