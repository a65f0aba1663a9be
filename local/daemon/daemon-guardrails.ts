/**
 * The daemon's guardrails and tracing, built once from the config over the embedded store:
 * - the storm breaker (its state in memory: this process admits every event of its sources),
 *   the loop guard, both behind the admission guard every entry point passes;
 * - budgets over the store's counters; prices from the config's table;
 * - the event tracer: spans into the store (`evd daemon trace`) and to OTLP/HTTP when configured;
 * - the registry of the files the handlers wrote (own writes), fed by each job's steps.
 */
import type { OrchestratorConfig, SourceConfig } from "../../shared/config/schema.ts";
import { sourceName } from "../../shared/config/source-name.ts";
import type { Job } from "../../shared/events/event.ts";
import { createAdmissionGuard, type AdmissionGuard } from "../../shared/guardrails/admission-guard.ts";
import type { PausedSource } from "../../shared/guardrails/breaker-store.ts";
import type { AdmitDeps } from "../../shared/ingest/admit.ts";
import type { RunJobDeps } from "../../shared/runner/run-job.ts";
import { createBudgetGate, type BudgetGate, type BudgetUsage } from "../../shared/guardrails/budget-gate.ts";
import { priceTable } from "../../shared/guardrails/price-table.ts";
import { createStormBreaker, type StormBreaker } from "../../shared/guardrails/storm-breaker.ts";
import type { HookBus } from "../../shared/hooks/lifecycle.ts";
import type { Logger } from "../../shared/logging/logger.ts";
import { MemoryBreakerStore } from "../../shared/memory/memory-breaker-store.ts";
import type { StepObserver } from "../../shared/pipeline/step-observer.ts";
import type { SpanRecord } from "../../shared/tracing/span-record.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import { filesystemRootOf } from "../../shared/tools/registry.ts";
import { createEventTracer, type EventTracer } from "../../shared/tracing/event-tracer.ts";
import { otlpExporter } from "../../shared/tracing/otlp-exporter.ts";
import { otlpTracesUrl } from "../../shared/tracing/otlp-traces-url.ts";
import { isAdmissionSpan } from "../../shared/tracing/span-record.ts";
import { storeSpanExporter } from "../../shared/tracing/store-span-exporter.ts";
import type { LocalStore } from "../store/local-store.ts";
import { createOwnWrites, type OwnWrites } from "../watcher/own-writes.ts";

export interface GuardrailsStatus {
  readonly paused_sources: readonly (PausedSource & { readonly until_iso: string })[];
  readonly budgets: readonly BudgetUsage[];
}

/** A source's row of `evd daemon status` (daemon-control.ts). */
export interface SourceRow {
  readonly name: string;
  readonly state: string;
  readonly error?: string;
  readonly [detail: string]: unknown;
}

/** What admission (and so the storm breaker) calls a source's events: HTTP sources their path, others their name. */
export function admissionSourceOf(source: SourceConfig, name: string): string {
  if (source.type === "webhook" || source.type === "git_push" || source.type === "git_pr") return source.path;
  if (source.type === "custom" && (source.path !== undefined || source.github_events !== undefined))
    return source.path ?? "/github";
  return name;
}

export interface DaemonGuardrails {
  readonly guard: AdmissionGuard;
  readonly breaker?: StormBreaker;
  readonly budget?: BudgetGate;
  readonly tracer?: EventTracer;
  readonly ownWrites: OwnWrites;
  /** Where the spans go besides the store (the OTLP URL), for the log. */
  readonly otlpUrl?: string;
  /** What admission takes: the guard and the tracer (HTTP ingest and the other entry points). */
  readonly admission: Pick<AdmitDeps, "guard" | "tracer">;
  /** What the job runner takes: budgets, tracing, the own-write registry's step observer. */
  readonly run: Pick<RunJobDeps, "budget" | "tracer" | "observeSteps">;
  /** The status rows with the paused sources marked `paused`, the reason and how to resume. */
  withPauses<R extends SourceRow>(rows: readonly R[]): R[];
  /** What the admin API asks (daemon-control.ts): status, resume a source, an event's spans. */
  readonly control: {
    status(): Promise<GuardrailsStatus>;
    resume(source: string): Promise<boolean>;
    trace(eventId: string): Promise<SpanRecord[]>;
  };
  /** Exports the spans still buffered; call before the store closes. */
  shutdown(): Promise<void>;
}

export function createDaemonGuardrails(opts: {
  readonly config: OrchestratorConfig;
  readonly configDir: string;
  readonly store: LocalStore;
  readonly hooks: HookBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
}): DaemonGuardrails {
  const { config, store, clock, logger } = opts;
  const breakerStore = new MemoryBreakerStore();
  const breaker = createStormBreaker(config.guardrails.storm, {
    store: breakerStore,
    clock,
    hooks: opts.hooks,
    logger,
  });
  const prices = priceTable(config.prices);
  const budget = createBudgetGate(config, { counters: store.counters, prices, clock, logger });
  const otlpUrl = config.tracing.enabled ? otlpTracesUrl(config.tracing, opts.env) : undefined;
  const tracer = config.tracing.enabled
    ? createEventTracer({
        serviceName: config.tracing.service_name,
        // The store keeps job and step spans; it rebuilds admission spans from its event log.
        exporters: [
          storeSpanExporter(store.spans, { keep: (s) => !isAdmissionSpan(s) }),
          ...(otlpUrl ? [otlpExporter(otlpUrl)] : []),
        ],
        clock,
        prices,
      })
    : undefined;
  const ownWrites = createOwnWrites({ fsRoot: filesystemRootOf(config.tools, opts.configDir), clock });
  const keyOfName = new Map(config.sources.map((s, i) => [sourceName(s, i), admissionSourceOf(s, sourceName(s, i))]));
  const status = async (): Promise<GuardrailsStatus> => ({
    paused_sources: breakerStore
      .pausedNow(clock.now())
      .map((p) => ({ ...p, until_iso: new Date(p.until).toISOString() })),
    budgets: budget ? await budget.usage() : [],
  });
  const guard = createAdmissionGuard(config, breaker);
  return {
    guard,
    ...(breaker ? { breaker } : {}),
    ...(budget ? { budget } : {}),
    ...(tracer ? { tracer } : {}),
    ...(otlpUrl ? { otlpUrl } : {}),
    ownWrites,
    // Admission spans only for an OTLP collector: the webhook path writes none to the store.
    admission: { guard, ...(tracer && otlpUrl ? { tracer } : {}) },
    run: {
      ...(budget ? { budget } : {}),
      ...(tracer ? { tracer } : {}),
      observeSteps: (job: Job): StepObserver => ownWrites.observe(job),
    },
    withPauses(rows) {
      const paused = new Map(breakerStore.pausedNow(clock.now()).map((p) => [p.source, p]));
      return rows.map((row) => {
        const pause = paused.get(row.name) ?? paused.get(keyOfName.get(row.name) ?? row.name);
        if (!pause) return row;
        const until = new Date(pause.until).toISOString();
        return {
          ...row,
          state: "paused",
          error: `storm breaker: ${pause.reason}; paused until ${until} (evd daemon resume ${pause.source})`,
        };
      });
    },
    control: {
      status,
      async resume(source) {
        return (await breaker?.resume(keyOfName.get(source) ?? source)) ?? false;
      },
      trace: (eventId) => store.spans.spansOfEvent(eventId),
    },
    async shutdown() {
      await tracer?.shutdown();
    },
  };
}
