import { EventError } from "./errors.ts";
import { EventIdKind, namespacedEventId } from "./event-id.ts";
import { EventType, type Event } from "./event.ts";

/** Id of a schedule firing: the same name and scheduled time always give the same id. */
export function scheduleEventId(scheduleName: string, scheduledTime: Date): string {
  return namespacedEventId(EventIdKind.SCHEDULE, scheduleName, scheduledTime.toISOString());
}

/**
 * A schedule firing. The id is `schedule:<name>:<scheduled time ISO>`, so a retried or
 * duplicated firing (EventBridge Scheduler retry, daemon catch-up) dedupes to one run.
 * The payload is the schedule's configured payload; `timestamp` is the scheduled time.
 */
export function scheduleEvent(scheduleName: string, scheduledTime: Date, payload: Record<string, unknown> = {}): Event {
  if (!scheduleName) throw new EventError("schedule event without a schedule name");
  if (Number.isNaN(scheduledTime.getTime())) throw new EventError(`schedule "${scheduleName}": invalid scheduled time`);
  const iso = scheduledTime.toISOString();
  return {
    id: scheduleEventId(scheduleName, scheduledTime),
    type: EventType.SCHEDULE,
    source: scheduleName,
    payload: { ...payload },
    timestamp: iso,
    metadata: { schedule: scheduleName, scheduled_time: iso },
  };
}
