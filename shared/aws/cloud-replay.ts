/**
 * Replay in the cloud (`evd cloud replay`), as `evd daemon replay` does locally: the runs of the
 * history since a time are grouped by original job (a replay `<job id>#replay-<n>` belongs to its
 * original); each original whose latest run matches `status` (e.g. `budget_exceeded`, once the
 * budget is raised and deployed) is sent again as a new job `<job id>#replay-<n+1>` with
 * `replay_of`, its event read back from the event log, so neither ingest's dedupe nor the runner's
 * claim swallows it. Events older than the log's retention cannot be replayed: they are reported.
 */
import type { EventResult, Job, RunStatus } from "../events/event.ts";
import type { HistoryStore } from "../ports/history-store.ts";
import type { Clock } from "../ports/clock.ts";
import type { DynamoEventLog } from "./dynamo-event-log.ts";
import type { SqsJobSender } from "./sqs-job-sender.ts";

export interface CloudReplayFilter {
  readonly handler?: string;
  /** Epoch ms: runs started at or after. */
  readonly since?: number;
  /** The latest run of the original job ended so. */
  readonly status?: RunStatus;
  /** Runs of the history looked at, newest first. @default 1000 */
  readonly limit?: number;
}

export interface CloudReplayOutcome {
  readonly replayed: readonly { readonly jobId: string; readonly replayOf: string }[];
  /** Originals whose event is no longer in the event log. */
  readonly missing: readonly string[];
}

const REPLAY_SUFFIX = /#replay-(\d+)$/;

export function originalJobId(jobId: string): string {
  return jobId.replace(REPLAY_SUFFIX, "");
}

export async function replayCloudJobs(
  filter: CloudReplayFilter,
  deps: {
    readonly history: HistoryStore;
    readonly events: Pick<DynamoEventLog, "read">;
    readonly sender: Pick<SqsJobSender, "send">;
    readonly clock: Clock;
  },
): Promise<CloudReplayOutcome> {
  const runs = await deps.history.list({
    limit: filter.limit ?? 1000,
    ...(filter.handler !== undefined ? { handler: filter.handler } : {}),
    ...(filter.since !== undefined ? { since: filter.since } : {}),
  });
  const latest = new Map<string, EventResult>();
  const replays = new Map<string, number>();
  for (const run of runs) {
    if (!run.job_id || !run.handler) continue;
    const original = originalJobId(run.job_id);
    if (!latest.has(original)) latest.set(original, run); // newest first
    const n = Number(REPLAY_SUFFIX.exec(run.job_id)?.[1] ?? 0);
    replays.set(original, Math.max(replays.get(original) ?? 0, n));
  }
  const now = new Date(deps.clock.now()).toISOString();
  const jobs: Job[] = [];
  const missing: string[] = [];
  for (const [original, run] of latest) {
    if (filter.status !== undefined && run.status !== filter.status) continue;
    const event = await deps.events.read(run.event_id);
    if (!event) {
      missing.push(original);
      continue;
    }
    jobs.push({
      id: `${original}#replay-${(replays.get(original) ?? 0) + 1}`,
      handler: run.handler!,
      event,
      attempt: 1,
      enqueued_at: now,
      replay_of: original,
    });
  }
  if (jobs.length > 0) await deps.sender.send(jobs);
  return { replayed: jobs.map((j) => ({ jobId: j.id, replayOf: j.replay_of! })), missing };
}
