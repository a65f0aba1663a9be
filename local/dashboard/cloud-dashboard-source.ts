/**
 * The DashboardSource of a deployed stack (`evd cloud ui --stack NAME`), with the caller's AWS
 * credentials: jobs from the DynamoDB event log, job records and runs; queue and DLQ depth from
 * SQS; schedules from EventBridge Scheduler (pause/resume = disable/enable); triggers through the
 * shared admission into the job queue, as `evd cloud trigger` sends them; a replay offers the
 * job's logged event again as `<job id>#replay-<n>`, as `evd cloud replay` does. Dead letters are
 * redriven all together (a move task, as `evd cloud dlq redrive`). Runs waiting at an approval
 * gate are listed and decided as `evd cloud approvals|approve|deny` do (shared/aws/cloud-gates.ts).
 */
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { CloudGates, GateRequestError } from "../../shared/aws/cloud-gates.ts";
import { ConcurrencyLease } from "../../shared/aws/concurrency-lease.ts";
import { DynamoGateStore } from "../../shared/aws/dynamo-gate-store.ts";
import type { TableRef } from "../../shared/aws/dynamo-document.ts";
import { DynamoEventLog } from "../../shared/aws/dynamo-event-log.ts";
import { DynamoHistoryStore } from "../../shared/aws/dynamo-history-store.ts";
import { DynamoJobViews, type ViewedEvent } from "../../shared/aws/dynamo-job-views.ts";
import type { S3PayloadStore } from "../../shared/aws/payload-store.ts";
import { listDeadLetters, queueDepth, redriveDeadLetters } from "../../shared/aws/queue-admin.ts";
import { listSchedules, ScheduleState, setScheduleState } from "../../shared/aws/schedule-admin.ts";
import type { CloudResources } from "../../shared/aws/stack-outputs.ts";
import { SqsJobQueue } from "../../shared/aws/sqs-job-queue.ts";
import { SqsJobSender } from "../../shared/aws/sqs-job-sender.ts";
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import { jobIdOf, type EventResult, type Job } from "../../shared/events/event.ts";
import { createHookBus } from "../../shared/hooks/hook-bus.ts";
import { configRoute, createAdmission, type RouteFn } from "../../shared/ingest/admit.ts";
import { silentLogger } from "../../shared/logging/logger.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import { JobState, type JobRecord } from "../../shared/ports/job-store.ts";
import { computeMetrics } from "./chart-data.ts";
import {
  ApprovalDecision,
  DashboardRequestError,
  JobStatus,
  type DashboardSource,
  type JobSummary,
  type SourceSummary,
} from "./dashboard-source.ts";
import { triggerHandler } from "./dashboard-trigger.ts";

export interface CloudDashboardDeps {
  readonly stackName: string;
  readonly resources: CloudResources;
  readonly table: TableRef;
  readonly sqs: () => SQSClient;
  readonly scheduler: () => SchedulerClient;
  readonly clock: Clock;
  /** The stack's config, when given (`--config`): handler names and descriptions, concurrency keys. */
  readonly config?: OrchestratorConfig;
  /** The stack's payload bucket (large events and jobs), when it has one. */
  readonly payloads?: S3PayloadStore;
}

/** Jobs the live feed re-reads on each poll (newest events first). */
const LIVE_WINDOW = 50;

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === "")
    throw new DashboardRequestError(409, `the stack's ${what} is unknown (no stack output names it)`);
  return value;
}

/** A finished run's status as the page shows it. */
const FINISHED: Partial<Record<string, JobStatus>> = {
  skipped: JobStatus.SKIPPED,
  dropped: JobStatus.DROPPED,
  budget_exceeded: JobStatus.BUDGET_EXCEEDED,
  parked: JobStatus.WAITING_APPROVAL,
  denied: JobStatus.DENIED,
};

function statusOf(record: JobRecord | undefined, dropped: boolean): JobStatus {
  if (!record) return dropped ? JobStatus.DROPPED : JobStatus.QUEUED;
  if (record.state === JobState.IN_PROGRESS) return JobStatus.RUNNING;
  const s = record.result?.status;
  if (s !== undefined && FINISHED[s]) return FINISHED[s];
  return record.state === JobState.FAILED ? JobStatus.FAILED : JobStatus.SUCCEEDED;
}

function summaryOf(logged: ViewedEvent, jobId: string, record: JobRecord | undefined): JobSummary {
  const r = record?.result;
  const running = record?.state === JobState.IN_PROGRESS;
  const handler = jobId.slice(logged.event.id.length + 1).replace(/#replay-\d+$/, "");
  return {
    id: jobId,
    event_id: logged.event.id,
    event_type: logged.event.type,
    event_source: logged.event.source,
    handler,
    status: statusOf(record, logged.droppedReason !== undefined),
    attempts: record?.attempts ?? 0,
    received_at: logged.receivedAt,
    ...(r?.started_at ? { started_at: r.started_at } : {}),
    ...(r?.finished_at && !running ? { finished_at: r.finished_at } : {}),
    ...(r?.duration_ms !== undefined && !running ? { duration_ms: r.duration_ms } : {}),
    ...(r?.error && record?.state === JobState.FAILED ? { error: r.error } : {}),
    ...(logged.droppedReason && !record ? { error: logged.droppedReason } : {}),
    ...(/#replay-\d+$/.test(jobId) ? { replay_of: jobId.replace(/#replay-\d+$/, "") } : {}),
    updated_at: new Date(record?.updatedAt || Date.parse(logged.receivedAt)).toISOString(),
  };
}

/** Without a config: one job for the named handler, as `evd cloud trigger` does. */
const namedHandlerRoute: RouteFn = (event, now, options) => [
  {
    id: jobIdOf(event.id, options.handler!),
    handler: options.handler!,
    event,
    attempt: 1,
    enqueued_at: now.toISOString(),
  },
];

export function cloudDashboardSource(deps: CloudDashboardDeps): DashboardSource {
  const eventLog = new DynamoEventLog({ table: deps.table, ...(deps.payloads ? { payloads: deps.payloads } : {}) });
  const views = new DynamoJobViews({ table: deps.table, eventLog });
  const leases = new ConcurrencyLease({ table: deps.table });
  const history = new DynamoHistoryStore({ table: deps.table, clock: deps.clock });
  const { resources } = deps;

  async function jobsOf(events: readonly ViewedEvent[]): Promise<JobSummary[]> {
    const records = await views.jobs(events.flatMap((e) => e.jobIds));
    return events.flatMap((e) => e.jobIds.map((id) => summaryOf(e, id, records.get(id))));
  }

  const sender = () =>
    new SqsJobSender({
      sqs: deps.sqs,
      queueUrl: need(resources.queueUrl, "job queue"),
      ...(deps.payloads ? { payloads: deps.payloads } : {}),
    });

  /** Listing and denying send nothing; approving sends the job again, resuming at its gate. */
  const gates = () =>
    new CloudGates({
      store: new DynamoGateStore({ table: deps.table }),
      sender: resources.queueUrl ? sender() : new SqsJobSender({ sqs: deps.sqs, queueUrl: "" }),
      clock: deps.clock,
      ...(deps.payloads ? { payloads: deps.payloads } : {}),
    });

  async function schedules(): Promise<SourceSummary[]> {
    const list = await listSchedules(
      deps.scheduler(),
      resources.scheduleGroup ? { group: resources.scheduleGroup } : {},
    );
    return list.map((s) => ({
      name: s.name,
      type: "schedule",
      handler: "",
      state: s.state,
      paused: s.state === ScheduleState.DISABLED,
      pausable: true,
      detail: `${s.expression} ${s.timezone}`,
    }));
  }

  return {
    async overview() {
      const [queue, dlq] = await Promise.all([
        resources.queueUrl ? queueDepth(deps.sqs(), resources.queueUrl) : undefined,
        resources.dlqUrl ? queueDepth(deps.sqs(), resources.dlqUrl) : undefined,
      ]);
      return {
        kind: "cloud",
        title: deps.stackName,
        queue_depth: queue ? queue.visible + queue.delayed : 0,
        running: queue?.inFlight ?? 0,
        dead_letters: dlq ? dlq.visible + dlq.inFlight : 0,
        approvals_waiting: (await gates().list()).length,
        facts: [
          { label: "stack", value: deps.stackName },
          { label: "table", value: deps.table.tableName },
          ...(resources.queueUrl ? [{ label: "queue", value: resources.queueUrl }] : []),
          ...(resources.apiUrl ? [{ label: "webhooks", value: resources.apiUrl }] : []),
        ],
        can: {
          pause_sources: true,
          replay: resources.queueUrl !== undefined,
          approvals: true,
          trigger: resources.queueUrl !== undefined,
          redrive_one: false,
          traces: false,
        },
      };
    },

    async listJobs(q) {
      const limit = q.limit ?? 100;
      const events = await views.recentEvents({ limit, ...(q.since !== undefined ? { since: q.since } : {}) });
      return (await jobsOf(events))
        .filter((j) => (!q.handler || j.handler === q.handler) && (!q.status || j.status === q.status))
        .slice(0, limit);
    },

    async getJob(id) {
      const eventId = id.split("#")[0]!;
      const logged = await views.event(eventId);
      if (!logged || !logged.jobIds.includes(id)) return undefined;
      const [records, runs] = await Promise.all([views.jobs([id]), views.runsOf(id)]);
      return { ...summaryOf(logged, id, records.get(id)), event: logged.event, runs };
    },

    async changes() {
      return { cursor: "latest", jobs: await jobsOf(await views.recentEvents({ limit: LIVE_WINDOW })) };
    },

    async listSources() {
      return schedules();
    },

    async setSourcePaused(name, paused) {
      await setScheduleState(
        deps.scheduler(),
        name,
        paused ? ScheduleState.DISABLED : ScheduleState.ENABLED,
        resources.scheduleGroup,
      );
      const found = (await schedules()).find((s) => s.name === name);
      if (!found) throw new DashboardRequestError(404, `no schedule named "${name}"`);
      return found;
    },

    async listDeadLetters() {
      const letters = await listDeadLetters(deps.sqs(), need(resources.dlqUrl, "dead-letter queue"), 50);
      return letters.map((d) => ({
        id: d.messageId,
        ...(d.jobId ? { job_id: d.jobId } : {}),
        ...(d.handler ? { handler: d.handler } : {}),
        ...(d.eventId ? { event_id: d.eventId } : {}),
        attempts: d.receiveCount,
        ...(d.reason ? { error: d.reason } : {}),
        ...(d.sentAt ? { at: d.sentAt } : {}),
      }));
    },

    async redrive(selection) {
      if (!("all" in selection))
        throw new DashboardRequestError(
          409,
          "in the cloud, dead letters are redriven all together (a move task): use Redrive all",
        );
      const dlqUrl = need(resources.dlqUrl, "dead-letter queue");
      const before = await queueDepth(deps.sqs(), dlqUrl);
      const r = await redriveDeadLetters(deps.sqs(), { dlqUrl, queueUrl: need(resources.queueUrl, "job queue") });
      return { redriven: r.method === "resend" ? r.moved : before.visible };
    },

    async listHandlers() {
      if (deps.config)
        return Object.entries(deps.config.handlers).map(([name, h]) => ({
          name,
          ...(h.description ? { description: h.description } : {}),
          sample_payload: {},
        }));
      const seen = await history.list({ limit: 200 });
      return [...new Set(seen.map((r) => r.handler).filter((h): h is string => !!h))].sort().map((name) => ({
        name,
        sample_payload: {},
      }));
    },

    async trigger(handler, payload) {
      const queue = new SqsJobQueue({
        sender: sender(),
        sqs: deps.sqs,
        clock: deps.clock,
        eventLog,
        leases,
      });
      const admit = createAdmission({
        route: deps.config ? configRoute(deps.config) : namedHandlerRoute,
        queue,
        hooks: createHookBus([], silentLogger),
        clock: deps.clock,
        logger: silentLogger,
      });
      return triggerHandler(admit, handler, payload, { now: new Date(deps.clock.now()), refusedBy: "queue" });
    },

    async replay(jobId) {
      const root = jobId.replace(/#replay-\d+$/, "");
      const logged = await views.event(root.split("#")[0]!);
      if (!logged || !logged.jobIds.includes(root))
        throw new DashboardRequestError(404, `no job "${jobId}" in the event log`);
      const handler = root.slice(logged.event.id.length + 1);
      const n = await eventLog.nextReplay(logged.event.id, handler);
      const job: Job = {
        id: `${root}#replay-${n}`,
        handler,
        event: logged.event,
        attempt: 1,
        enqueued_at: new Date(deps.clock.now()).toISOString(),
        replay_of: root,
      };
      const key = deps.config
        ? configRoute(deps.config)(job.event, new Date(deps.clock.now()), { handler })[0]?.concurrency_key
        : undefined;
      // Under `on_new: supersede` the replay is the newest job of its key, as a new delivery would be
      // (else the runner drops it as superseded by the original).
      if (key !== undefined && deps.config?.handlers[handler]?.concurrency?.on_new === "supersede")
        await leases.noteLatest(handler, key, job.id, job.enqueued_at, deps.clock.now());
      await sender().send([key === undefined ? job : { ...job, concurrency_key: key }]);
      return { jobs: [job.id] };
    },

    async listApprovals() {
      return (await gates().list()).map((p) => ({
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
        await gates().decide(id, {
          approved: decision === ApprovalDecision.APPROVE,
          at: new Date(deps.clock.now()).toISOString(),
          by: "dashboard",
        });
      } catch (err) {
        if (err instanceof GateRequestError) throw new DashboardRequestError(409, err.message, { cause: err });
        throw err;
      }
      return { job_id: id, decision };
    },

    async trace(eventId) {
      // In Lambda the spans go to X-Ray (or an OTLP collector), not to the table.
      return { event_id: eventId, spans: [] };
    },

    async metrics(windowMs) {
      const now = deps.clock.now();
      const runs: EventResult[] = await history.list({ since: now - windowMs - 60_000, limit: 5000 });
      return computeMetrics({
        now,
        windowMs,
        runs: runs.map((r) => ({
          finishedAt: Date.parse(r.finished_at ?? r.started_at ?? new Date(now).toISOString()),
          ...(r.duration_ms !== undefined ? { durationMs: r.duration_ms } : {}),
          status: r.status ?? (r.success ? "succeeded" : "failed"),
          handler: r.handler ?? "?",
        })),
        latency: [
          {
            name: "ack",
            label: "webhook acknowledgement",
            samples: [],
            note: "measured by API Gateway in the cloud: see the stack's CloudWatch dashboard (IntegrationLatency)",
          },
        ],
      });
    },
  };
}
