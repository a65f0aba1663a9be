/**
 * What the admin API can ask of a running daemon (status, trigger, history, stop, replay, state,
 * dead letters, local git pushes), over the daemon's store, worker and intake.
 */
import { createHash } from "node:crypto";
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import { RunStatus } from "../../shared/events/event.ts";
import { normalizeGithubDelivery } from "../../shared/events/github.ts";
import { manualEvent } from "../../shared/events/manual-event.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import { renderTraceTree } from "../../shared/tracing/trace-tree.ts";
import type { DaemonGuardrails } from "./daemon-guardrails.ts";
import { RouterError } from "../../shared/router/errors.ts";
import { gateDecision } from "../store/gates.ts";
import type { LocalStore } from "../store/local-store.ts";
import { StoreRequestError } from "../store/store-error.ts";
import type { Worker } from "../worker/worker.ts";
import { AdminRequestError, type DaemonControl } from "./admin-api.ts";
import { AdmissionKind, type Admit, type AdmissionOutcome } from "../../shared/ingest/admit.ts";

export interface SourceStatus {
  readonly name: string;
  readonly type: string;
  readonly handler: string;
  readonly state: string;
  readonly [detail: string]: unknown;
}

export interface DaemonControlDeps {
  readonly config: OrchestratorConfig;
  readonly configPath: string;
  readonly stateDir: string;
  readonly startedAt: string;
  readonly webhookUrl?: string;
  readonly store: LocalStore;
  readonly worker: Worker;
  readonly admit: Admit;
  readonly clock: Clock;
  readonly sources: () => SourceStatus[];
  readonly stop: (reason: string) => Promise<void>;
  /** Paused sources and budgets (status), resuming a source, an event's spans (daemon-guardrails.ts). */
  readonly guardrails?: DaemonGuardrails["control"];
}

const RUN_STATUSES: readonly RunStatus[] = Object.values(RunStatus);
const UNIT_MS = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 } as const;

/** `--since`: an ISO-8601 time, or a duration ago (`90s`, `30m`, `2h`, `7d`, `1w`). */
export function parseSince(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const rel = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new AdminRequestError(
      400,
      "invalid_since",
      `--since: "${text}" is neither an ISO-8601 time nor a duration like 2h, 30m, 7d`,
    );
  return t;
}

export function parseStatus(text: string | undefined): RunStatus | undefined {
  if (text === undefined) return undefined;
  if (!(RUN_STATUSES as readonly string[]).includes(text))
    throw new AdminRequestError(
      400,
      "invalid_status",
      `status must be one of ${RUN_STATUSES.join(", ")}, got "${text}"`,
    );
  return text as RunStatus;
}

function outcomeBody(o: AdmissionOutcome): Record<string, unknown> {
  if (o.kind === AdmissionKind.UNAVAILABLE) throw new AdminRequestError(503, "store_unavailable", o.error);
  return {
    status: o.kind,
    event_id: o.event.id,
    ...("jobIds" in o ? { jobs: o.jobIds } : {}),
    ...("reason" in o ? { reason: o.reason } : {}),
  };
}

export function createDaemonControl(deps: DaemonControlDeps): DaemonControl {
  const { store, worker, admit, clock, config } = deps;
  return {
    async status() {
      return {
        pid: process.pid,
        started_at: deps.startedAt,
        config: deps.configPath,
        state_dir: deps.stateDir,
        webhook_url: deps.webhookUrl ?? null,
        sources: deps.sources(),
        queue_depth: store.depth(),
        running: worker.running(),
        max_concurrent_handlers: config.max_concurrent_handlers,
        queue_overflow: config.queue_overflow,
        counts: store.counts(),
        ...(deps.guardrails ? { guardrails: await deps.guardrails.status() } : {}),
      };
    },
    async resume({ source }) {
      if (!deps.guardrails) throw new AdminRequestError(404, "no_guardrails", "this daemon has no storm breaker");
      const resumed = await deps.guardrails.resume(source);
      return { source, resumed, ...(resumed ? {} : { note: `source "${source}" was not paused` }) };
    },
    async trace({ eventId }) {
      const spans = deps.guardrails ? await deps.guardrails.trace(eventId) : await store.spans.spansOfEvent(eventId);
      return { event_id: eventId, spans, tree: renderTraceTree(spans) };
    },
    async trigger({ handler, payload }) {
      try {
        return outcomeBody(
          await admit(manualEvent({ payload, source: "cli", now: new Date(clock.now()) }), { handler }),
        );
      } catch (err) {
        if (err instanceof RouterError) throw new AdminRequestError(404, "unknown_handler", err.message);
        throw err;
      }
    },
    async history(q) {
      return store.history.list({ limit: q.limit ?? 50, handler: q.handler, status: parseStatus(q.status) });
    },
    async stop() {
      setImmediate(() => void deps.stop("admin API stop"));
      return { status: "stopping", pid: process.pid };
    },
    async replay(q) {
      const replayed = await store.replay({
        handler: q.handler,
        since: parseSince(q.since, clock.now()),
        status: parseStatus(q.status),
      });
      return { replayed: replayed.length, jobs: replayed };
    },
    async state() {
      return store.exportState();
    },
    async dlqList() {
      return store.listDead();
    },
    async approvals() {
      return store.listParked();
    },
    async decide(input) {
      try {
        return await store.decideGate(input.id, gateDecision(input.approve, input.message, clock.now()));
      } catch (err) {
        if (err instanceof StoreRequestError) throw new AdminRequestError(400, "not_at_a_gate", err.message);
        throw err;
      }
    },
    async dlqRedrive(sel) {
      const ids = await store.redrive(sel.id ? { id: sel.id } : { all: true });
      return { redriven: ids.length, jobs: ids };
    },
    async gitPush(payload) {
      const after = typeof payload.after === "string" ? payload.after : "";
      const ref = typeof payload.ref === "string" ? payload.ref : "";
      if (!ref || !after) throw new AdminRequestError(400, "invalid_push", "a git push needs `ref` and `after`");
      const repo = (payload.repository as { full_name?: string } | undefined)?.full_name;
      const deliveryId = `git-push:${createHash("sha256")
        .update(JSON.stringify([repo, ref, payload.before, after]))
        .digest("hex")
        .slice(0, 32)}`;
      const normalized = normalizeGithubDelivery({
        eventName: "push",
        deliveryId,
        payload,
        receivedAt: new Date(clock.now()),
        path: "git-hook",
      });
      // A local push did not come over a GitHub endpoint: no endpoint path for the router to match.
      const event = {
        ...normalized,
        source: "git-hook",
        metadata: { github_event: "push", delivery_id: deliveryId, local: true },
      };
      return outcomeBody(await admit(event));
    },
  };
}
