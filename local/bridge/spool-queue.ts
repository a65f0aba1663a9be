/**
 * The spool as the bridge's durable JobQueue: what the shared admission submits to (as the
 * daemon's store is the daemon's). `accepted` once the change set's jobs are on disk; the sender
 * relays them to SQS in order. Jobs sent before or already waiting answer `duplicate`.
 */
import type { Event, Job } from "../../shared/events/event.ts";
import type { JobQueue, SubmitOutcome } from "../../shared/ports/job-queue.ts";
import type { Spool } from "./spool.ts";

export function spoolQueue(spool: Spool): JobQueue {
  return {
    async submit(event: Event, jobs: readonly Job[]): Promise<SubmitOutcome> {
      const files = Array.isArray(event.payload.files) ? event.payload.files.length : 0;
      const out = spool.append({ changed_at: event.timestamp, source: event.source, files, jobs });
      return out.kind === "duplicate"
        ? { kind: "duplicate", jobIds: out.jobIds }
        : { kind: "accepted", jobIds: jobs.map((j) => j.id) };
    },
  };
}
