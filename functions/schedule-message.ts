/**
 * An EventBridge Scheduler firing (decoded by shared/aws/job-message.ts) -> the schedule event it
 * stands for (id = name + scheduled time, so a Scheduler retry is a duplicate), admitted like any
 * other event. An unknown schedule can never run: PermanentMessageError.
 */
import { PermanentMessageError } from "../shared/aws/job-message.ts";
import { sourceName } from "../shared/config/source-name.ts";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import type { Event } from "../shared/events/event.ts";
import { scheduleEvent } from "../shared/events/schedule-event.ts";

export function scheduleEventOf(schedule: string, scheduledTime: Date, config: OrchestratorConfig): Event {
  const source = config.sources.find((s, i) => s.type === "schedule" && sourceName(s, i) === schedule);
  if (!source || source.type !== "schedule") {
    const known = config.sources.flatMap((s, i) => (s.type === "schedule" ? [sourceName(s, i)] : []));
    throw new PermanentMessageError(
      `no schedule source named "${schedule}"; schedules: ${known.join(", ") || "(none)"}`,
    );
  }
  return scheduleEvent(schedule, scheduledTime, source.payload);
}
