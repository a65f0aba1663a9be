/**
 * Replay in the cloud, as `evd daemon replay` does locally: logged events (by time, handler and
 * the status of their latest run) are offered again as NEW jobs `<job id>#replay-<n>` with
 * `replay_of` = the original job id, so the runner's dedupe does not swallow them. One new job
 * per matching (event, handler) pair; `n` counts that pair's replays (a conditional counter on the
 * event item, so two operators replaying at once get distinct ids).
 *
 * The status of a pair is the one of its latest run (the original job, or its latest replay):
 * `succeeded | skipped | dropped | denied` for a completed job (its result says which), `failed`
 * for a failed one, `parked` for one waiting at an approval gate, `dropped` for an event whose jobs were dropped at intake (queue_overflow: drop). A
 * job still waiting or running matches no status.
 */
import type { Job, RunStatus } from "../events/event.ts";
import { RunStatus as Status } from "../events/event.ts";
import type { Clock } from "../ports/clock.ts";
import { JobState } from "../ports/job-store.ts";
import type { TableRef } from "./dynamo-document.ts";
import { handlerOfJobId, type DynamoEventLog, type LoggedEvent } from "./dynamo-event-log.ts";
import { batchGetItems, itemId } from "./log-index.ts";
import type { SqsJobSender } from "./sqs-job-sender.ts";
import { jobKey } from "./table-layout.ts";

export interface ReplayFilter {
  readonly handler?: string;
  /** Epoch ms: events received at or after. */
  readonly since?: number;
  /** The latest run of the pair ended so. */
  readonly status?: RunStatus;
  /** At most this many logged events are looked at, newest first. @default 1000 */
  readonly limit?: number;
}

export interface ReplayedJob {
  readonly jobId: string;
  readonly replayOf: string;
}

export interface EventReplayDeps {
  readonly eventLog: DynamoEventLog;
  /** The table of the job records (for the status of each pair). */
  readonly table: TableRef;
  readonly sender: SqsJobSender;
  readonly clock: Clock;
  /** Renders the handler's concurrency key for the replayed job (with the config at hand). @default none */
  readonly concurrencyKey?: (job: Job) => string | undefined;
}

interface Pair {
  readonly logged: LoggedEvent;
  readonly handler: string;
  readonly rootJobId: string;
}

export async function replayLoggedEvents(deps: EventReplayDeps, filter: ReplayFilter): Promise<ReplayedJob[]> {
  const logged = await deps.eventLog.list({
    limit: filter.limit ?? 1000,
    ...(filter.since !== undefined ? { since: filter.since } : {}),
    ...(filter.handler !== undefined ? { handler: filter.handler } : {}),
  });
  const pairs: Pair[] = logged.flatMap((l) =>
    l.jobIds
      .map((rootJobId) => ({ logged: l, rootJobId, handler: handlerOfJobId(l.eventId, rootJobId) }))
      .filter((p) => filter.handler === undefined || p.handler === filter.handler),
  );
  if (pairs.length === 0) return [];
  const events = await deps.eventLog.read([...new Set(pairs.map((p) => p.logged.eventId))]);
  const latestId = (p: Pair): string => {
    const n = events.get(p.logged.eventId)?.replays[p.handler] ?? 0;
    return n > 0 ? `${p.rootJobId}#replay-${n}` : p.rootJobId;
  };
  const records =
    filter.status === undefined
      ? new Map<string, Record<string, unknown>>()
      : await batchGetItems(
          deps.table,
          pairs.map((p) => jobKey(latestId(p))),
          { projection: ["state", "result"] },
        );

  const jobs: Job[] = [];
  const out: ReplayedJob[] = [];
  const now = new Date(deps.clock.now()).toISOString();
  for (const p of pairs) {
    const stored = events.get(p.logged.eventId);
    if (!stored) continue; // expired between the listing and the read
    if (filter.status !== undefined) {
      const record = records.get(itemId(jobKey(latestId(p))));
      if (statusOf(record, p.logged) !== filter.status) continue;
    }
    const n = await deps.eventLog.nextReplay(p.logged.eventId, p.handler);
    const job: Job = {
      id: `${p.rootJobId}#replay-${n}`,
      handler: p.handler,
      event: stored.event,
      attempt: 1,
      enqueued_at: now,
      replay_of: p.rootJobId,
    };
    const key = deps.concurrencyKey?.(job);
    jobs.push(key === undefined ? job : { ...job, concurrency_key: key });
    out.push({ jobId: job.id, replayOf: p.rootJobId });
  }
  if (jobs.length) await deps.sender.send(jobs);
  return out;
}

function statusOf(record: Record<string, unknown> | undefined, logged: LoggedEvent): RunStatus | undefined {
  if (!record) return logged.droppedReason !== undefined ? Status.DROPPED : undefined;
  // A run waiting at an approval gate leaves its record FAILED (claimable by its resume): it is parked, not failed.
  if (record.state === JobState.FAILED)
    return (record.result as { status?: RunStatus } | undefined)?.status === Status.PARKED
      ? Status.PARKED
      : Status.FAILED;
  if (record.state === JobState.COMPLETED) {
    const status = (record.result as { status?: RunStatus } | undefined)?.status;
    return status ?? Status.SUCCEEDED;
  }
  return undefined;
}
