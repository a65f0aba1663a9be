/**
 * The DashboardSource of a running daemon: reads the embedded store's views, admits triggers
 * through the daemon's one admission path, redrives and replays through the store, pauses its own
 * schedules and watchers, and measures acknowledgement latency in process.
 */
import type { OrchestratorConfig, SourceConfig } from "../../shared/config/schema.ts";
import { sourceName } from "../../shared/config/source-name.ts";
import type { EventResult } from "../../shared/events/event.ts";
import { type Admit } from "../../shared/ingest/admit.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { SpanRecord } from "../../shared/tracing/span-record.ts";
import { spanSummary } from "../../shared/tracing/trace-tree.ts";
import type { SourceStatus } from "../daemon/daemon-control.ts";
import { PAUSABLE_SOURCE_TYPES, type SourcePauses } from "../daemon/source-pauses.ts";
import { StoreJobState } from "../store/job-state.ts";
import type { JobView } from "../store/job-views.ts";
import type { LocalStore } from "../store/local-store.ts";
import { StoreRequestError } from "../store/store-error.ts";
import type { Worker } from "../worker/worker.ts";
import type { AckLatencyRecorder } from "./ack-latency.ts";
import { computeMetrics } from "./chart-data.ts";
import {
  ApprovalDecision,
  DashboardRequestError,
  JobStatus,
  type ApprovalSummary,
  type DashboardSource,
  type JobSummary,
  type SourceSummary,
  type TraceSpan,
} from "./dashboard-source.ts";
import { triggerHandler } from "./dashboard-trigger.ts";

export interface DaemonDashboardDeps {
  readonly config: OrchestratorConfig;
  readonly configPath: string;
  readonly stateDir: string;
  readonly webhookUrl?: string;
  readonly store: LocalStore;
  readonly worker: Worker;
  readonly admit: Admit;
  readonly clock: Clock;
  /** The daemon's sources and their states (next fire times for schedules). */
  readonly sources: () => readonly SourceStatus[];
  readonly pauses: SourcePauses;
  readonly ackLatency: AckLatencyRecorder;
  /** The daemon's guardrails: storm-breaker resume, an event's spans (local/daemon/daemon-guardrails.ts). */
  readonly guardrails?: {
    resume(source: string): Promise<boolean>;
    trace(eventId: string): Promise<SpanRecord[]>;
  };
}

function traceSpanOf(s: SpanRecord): TraceSpan {
  return {
    trace_id: s.trace_id,
    span_id: s.span_id,
    ...(s.parent_span_id !== undefined ? { parent_span_id: s.parent_span_id } : {}),
    name: s.name,
    start_ms: s.start_ms,
    end_ms: s.end_ms,
    status: s.status,
    summary: spanSummary(s),
  };
}

const STATUS_OF: Record<StoreJobState, JobStatus> = {
  PENDING: JobStatus.QUEUED,
  RUNNING: JobStatus.RUNNING,
  RETRY_WAIT: JobStatus.RETRYING,
  COMPLETED: JobStatus.SUCCEEDED,
  FAILED: JobStatus.FAILED,
  DEAD: JobStatus.DEAD,
  DROPPED: JobStatus.DROPPED,
  SKIPPED: JobStatus.SKIPPED,
  PARKED: JobStatus.WAITING_APPROVAL,
  DENIED: JobStatus.DENIED,
};
const STATES_OF = {
  ...(Object.fromEntries(
    Object.entries(STATUS_OF).map(([state, status]) => [status, [state as StoreJobState]]),
  ) as Partial<Record<JobStatus, StoreJobState[]>>),
  // Budget-stopped jobs are DROPPED rows whose result says why.
  [JobStatus.BUDGET_EXCEEDED]: [StoreJobState.DROPPED],
};

const iso = (ms: number) => new Date(ms).toISOString();

export function jobSummaryOf(v: JobView): JobSummary {
  const r = v.result;
  const error = r?.error ?? v.lastError;
  return {
    id: v.id,
    event_id: v.eventId,
    event_type: v.eventType,
    event_source: v.eventSource,
    handler: v.handler,
    status:
      v.state === StoreJobState.DROPPED && r?.status === JobStatus.BUDGET_EXCEEDED
        ? JobStatus.BUDGET_EXCEEDED
        : (STATUS_OF[v.state] ?? JobStatus.QUEUED),
    attempts: v.attempts,
    received_at: iso(v.receivedAt),
    enqueued_at: iso(v.enqueuedAt),
    ...(r?.started_at ? { started_at: r.started_at } : {}),
    ...(r?.finished_at && v.state !== StoreJobState.RUNNING ? { finished_at: r.finished_at } : {}),
    ...(r?.duration_ms !== undefined && v.state !== StoreJobState.RUNNING ? { duration_ms: r.duration_ms } : {}),
    ...(error && v.state !== StoreJobState.COMPLETED ? { error } : {}),
    ...(v.replayOf ? { replay_of: v.replayOf } : {}),
    updated_at: iso(v.updatedAt),
  };
}

/** The `source` an event from this source carries: its path for HTTP sources, else its name. */
function eventSourceOf(source: SourceConfig, name: string): string[] {
  switch (source.type) {
    case "webhook":
      return [source.path];
    case "git_push":
    case "git_pr":
    case "custom":
      return [source.path ?? "/github", "git-hook"];
    case "manual":
      return ["cli", "dashboard"];
    default:
      return [name];
  }
}

export function daemonDashboardSource(deps: DaemonDashboardDeps): DashboardSource {
  const { store, config, clock } = deps;
  const tracing = deps.guardrails !== undefined && config.tracing.enabled;
  const views = store.views;

  function sourceSummaries(): SourceSummary[] {
    const activity = new Map(views.sourceActivity().map((a) => [a.source, a]));
    const configs = new Map(config.sources.map((s, i) => [sourceName(s, i), s]));
    return deps.sources().map((s) => {
      const cfg = configs.get(s.name);
      const keys = cfg ? eventSourceOf(cfg, s.name) : [s.name];
      const hits = keys.map((k) => activity.get(k)).filter((a) => a !== undefined);
      const last = hits.length ? Math.max(...hits.map((a) => a.lastReceivedAt)) : undefined;
      const byDashboard = deps.pauses.isPaused(s.name);
      // The status rows already say "paused" for a source the storm breaker paused.
      const byBreaker = !byDashboard && s.state === "paused";
      const paused = byDashboard || byBreaker;
      const next = typeof s.next_fire_time === "string" ? s.next_fire_time : undefined;
      return {
        name: s.name,
        type: s.type,
        handler: s.handler,
        state: paused ? "paused" : s.state,
        paused,
        ...(paused ? { paused_by: byBreaker ? "storm breaker" : "dashboard" } : {}),
        pausable: (PAUSABLE_SOURCE_TYPES.includes(s.type) && (s.state === "started" || byDashboard)) || byBreaker,
        ...(typeof s.detail === "string" ? { detail: s.detail } : {}),
        ...(typeof s.error === "string" ? { error: s.error } : {}),
        ...(last !== undefined ? { last_fire: iso(last) } : {}),
        ...(next && !paused ? { next_fire: next } : {}),
        events: hits.reduce((n, a) => n + a.events, 0),
      };
    });
  }

  return {
    async overview() {
      const counts = store.counts();
      const approvals = counts.PARKED;
      return {
        kind: "daemon",
        title: deps.configPath,
        queue_depth: store.depth(),
        running: deps.worker.running().length,
        dead_letters: counts.DEAD,
        approvals_waiting: approvals,
        facts: [
          { label: "config", value: deps.configPath },
          { label: "state", value: deps.stateDir },
          ...(deps.webhookUrl ? [{ label: "webhooks", value: deps.webhookUrl }] : []),
          { label: "max concurrent", value: String(config.max_concurrent_handlers) },
        ],
        can: {
          pause_sources: true,
          replay: true,
          approvals: true,
          trigger: true,
          redrive_one: true,
          traces: tracing,
        },
      };
    },

    async listJobs(q) {
      const states = q.status === undefined ? undefined : STATES_OF[q.status];
      if (q.status !== undefined && !states) return [];
      return views
        .list({
          ...(q.handler ? { handler: q.handler } : {}),
          ...(states ? { states } : {}),
          ...(q.since !== undefined ? { since: q.since } : {}),
          limit: q.limit ?? 100,
        })
        .map(jobSummaryOf)
        .filter((j) => q.status === undefined || j.status === q.status);
    },

    async getJob(id) {
      const v = views.get(id);
      if (!v) return undefined;
      const event = views.event(v.eventId);
      const trace = tracing ? `#/trace/${encodeURIComponent(v.eventId)}` : undefined;
      let runs: EventResult[] = views.runsOf(id);
      // History keeps `history_limit` runs: the job row still has the latest.
      if (runs.length === 0 && v.result) runs = [store.getJob(id)?.result ?? v.result];
      return {
        ...jobSummaryOf(v),
        ...(event ? { event } : {}),
        runs,
        ...(trace ? { trace_url: trace } : {}),
      };
    },

    async changes(cursor) {
      if (cursor === undefined) return { cursor: String(clock.now()), jobs: [] };
      const since = Number(cursor);
      if (!Number.isFinite(since)) throw new DashboardRequestError(400, `bad cursor "${cursor}"`);
      const rows = views.updatedSince(since, 500);
      const next = rows.reduce((m, r) => Math.max(m, r.updatedAt), since);
      return { cursor: String(next), jobs: rows.map(jobSummaryOf) };
    },

    async listSources() {
      return sourceSummaries();
    },

    async setSourcePaused(name, paused) {
      const current = sourceSummaries().find((s) => s.name === name);
      if (!current) throw new DashboardRequestError(404, `no source named "${name}"`);
      if (!paused && current.paused_by === "storm breaker") {
        await deps.guardrails?.resume(name);
        return sourceSummaries().find((s) => s.name === name)!;
      }
      if (!PAUSABLE_SOURCE_TYPES.includes(current.type))
        throw new DashboardRequestError(
          409,
          `source "${name}" is a ${current.type} source: only schedules and file watchers pause here (webhooks are paused at the sender)`,
        );
      deps.pauses.set(name, paused);
      return sourceSummaries().find((s) => s.name === name)!;
    },

    async listDeadLetters() {
      return store.listDead().map((j) => ({
        id: j.id,
        job_id: j.id,
        handler: j.handler,
        event_id: j.eventId,
        attempts: j.attempts,
        ...((j.lastError ?? j.result?.error) ? { error: (j.lastError ?? j.result?.error)! } : {}),
        at: iso(j.updatedAt),
      }));
    },

    async redrive(selection) {
      try {
        const ids = await store.redrive(selection);
        return { redriven: ids.length };
      } catch (err) {
        if (err instanceof StoreRequestError) throw new DashboardRequestError(409, err.message, { cause: err });
        throw err;
      }
    },

    async listHandlers() {
      return Object.entries(config.handlers).map(([name, h]) => ({
        name,
        ...(h.description ? { description: h.description } : {}),
        sample_payload: views.latestPayload(name) ?? {},
      }));
    },

    trigger: (handler, payload) =>
      triggerHandler(deps.admit, handler, payload, { now: new Date(clock.now()), refusedBy: "store" }),

    async replay(jobId) {
      const job = views.get(jobId);
      if (!job) throw new DashboardRequestError(404, `no job "${jobId}"`);
      const replayed = await store.replay({ jobId: job.replayOf ?? job.id });
      return { jobs: replayed.map((r) => r.jobId) };
    },

    async listApprovals() {
      return store.listParked().map((p): ApprovalSummary => ({
        id: p.id,
        job_id: p.id,
        handler: p.handler,
        stage: p.gate.stage,
        prompt: p.gate.prompt,
        requested_at: p.parkedAt,
        ...(p.decidesAt ? { timeout_at: p.decidesAt } : {}),
      }));
    },

    async decideApproval(id, decision) {
      try {
        await store.decideGate(id, {
          approved: decision === ApprovalDecision.APPROVE,
          at: new Date(clock.now()).toISOString(),
          by: "dashboard",
        });
      } catch (err) {
        if (err instanceof StoreRequestError) throw new DashboardRequestError(409, err.message, { cause: err });
        throw err;
      }
      return { job_id: id, decision };
    },

    async trace(eventId) {
      return {
        event_id: eventId,
        spans: deps.guardrails ? (await deps.guardrails.trace(eventId)).map(traceSpanOf) : [],
      };
    },

    async metrics(windowMs) {
      const now = clock.now();
      const from = now - windowMs - 60_000;
      const runs = (await store.history.list({ since: from, limit: 100_000 })).map((r) => ({
        finishedAt: Date.parse(r.finished_at ?? r.started_at ?? iso(now)),
        ...(r.duration_ms !== undefined ? { durationMs: r.duration_ms } : {}),
        status: r.status ?? (r.success ? "succeeded" : "failed"),
        handler: r.handler ?? "?",
      }));
      return computeMetrics({
        now,
        windowMs,
        runs,
        latency: [{ name: "ack", label: "webhook acknowledgement", samples: deps.ackLatency.since(from) }],
      });
    },
  };
}
