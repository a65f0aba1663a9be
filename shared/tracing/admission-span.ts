/**
 * The admission span of an event, rebuilt from what its event log knows (type, source, received
 * time, whether its jobs were dropped at intake). The daemon does not write admission spans on the
 * webhook path (one row per delivery would cost the ack path a quarter of its CPU): its trace
 * view rebuilds the root from the event log instead, with the same derived ids, so the job spans
 * hang under it as they do in an exported trace.
 */
import type { EventType } from "../events/event.ts";
import { ADMISSION_OUTCOME_ATTRIBUTE, EVENT_ID_ATTRIBUTE, SpanStatus, type SpanRecord } from "./span-record.ts";
import { rootOf } from "./trace-context.ts";

export interface LoggedAdmission {
  readonly eventId: string;
  readonly type: EventType | string;
  readonly source: string;
  /** Epoch ms. */
  readonly receivedAt: number;
  readonly outcome: "accepted" | "dropped";
}

export function admissionSpanOf(logged: LoggedAdmission): SpanRecord {
  const root = rootOf(logged.eventId);
  return {
    trace_id: root.traceId,
    span_id: root.spanId,
    event_id: logged.eventId,
    name: `event ${logged.type} ${logged.source}`,
    start_ms: logged.receivedAt,
    end_ms: logged.receivedAt,
    status: SpanStatus.OK,
    attributes: {
      [EVENT_ID_ATTRIBUTE]: logged.eventId,
      "evd.event.type": logged.type,
      "evd.event.source": logged.source,
      [ADMISSION_OUTCOME_ATTRIBUTE]: logged.outcome,
    },
  };
}
