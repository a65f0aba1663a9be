/**
 * The daemon's guardrails and tracing, built once from the config over the embedded store:
 * - the storm breaker (its state in memory: this process admits every event of its sources),
 *   the loop guard, both behind the admission guard every entry point passes;
 * - budgets over the store's counters; prices from the config's table;
 * - the event tracer: spans into the store (`evd daemon trace`) and to OTLP/HTTP when configured;
 * - the registry of the files the handlers wrote (own writes), fed by each job's steps.
 */
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import type { Job } from "../../shared/events/event.ts";
import { createAdmissionGuard, type AdmissionGuard } from "../../shared/guardrails/admission-guard.ts";
import type { PausedSource } from "../../shared/guardrails/breaker-store.ts";
import { createBudgetGate, type BudgetGate, type BudgetUsage } from "../../shared/guardrails/budget-gate.ts";
import { priceTable } from "../../shared/guardrails/price-table.ts";
import { createStormBreaker, type StormBreaker } from "../../shared/guardrails/storm-breaker.ts";
import type { HookBus } from "../../shared/hooks/lifecycle.ts";
import type { Logger } from "../../shared/logging/logger.ts";
import { MemoryBreakerStore } from "../../shared/memory/memory-breaker-store.ts";
import type { StepObserver } from "../../shared/pipeline/step-observer.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import { filesystemRootOf } from "../../shared/tools/registry.ts";
import { createEventTracer, type EventTracer } from "../../shared/tracing/event-tracer.ts";
import { otlpExporter } from "../../shared/tracing/otlp-exporter.ts";
import { otlpTracesUrl } from "../../shared/tracing/otlp-traces-url.ts";
import { storeSpanExporter } from "../../shared/tracing/store-span-exporter.ts";
import type { LocalStore } from "../store/local-store.ts";
import { createOwnWrites, type OwnWrites } from "../watcher/own-writes.ts";

export interface GuardrailsStatus {
  readonly paused_sources: readonly (PausedSource & { readonly until_iso: string })[];
  readonly budgets: readonly BudgetUsage[];
}

export interface DaemonGuardrails {
  readonly guard: AdmissionGuard;
  readonly breaker?: StormBreaker;
  readonly budget?: BudgetGate;
  readonly tracer?: EventTracer;
  readonly ownWrites: OwnWrites;
  /** Where the spans go besides the store (the OTLP URL), for the log. */
  readonly otlpUrl?: string;
  /** The job's step observers besides tracing and budgets. */
  observeSteps(job: Job): StepObserver;
  /** Sources paused now (read synchronously, for the status table). */
  pausedNow(): PausedSource[];
  status(): Promise<GuardrailsStatus>;
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
        exporters: [storeSpanExporter(store.spans), ...(otlpUrl ? [otlpExporter(otlpUrl)] : [])],
        clock,
        prices,
      })
    : undefined;
  const ownWrites = createOwnWrites({ fsRoot: filesystemRootOf(config.tools, opts.configDir), clock });
  return {
    guard: createAdmissionGuard(config, breaker),
    ...(breaker ? { breaker } : {}),
    ...(budget ? { budget } : {}),
    ...(tracer ? { tracer } : {}),
    ...(otlpUrl ? { otlpUrl } : {}),
    ownWrites,
    observeSteps: (job) => ownWrites.observe(job),
    pausedNow: () => breakerStore.pausedNow(clock.now()),
    async status() {
      return {
        paused_sources: breakerStore
          .pausedNow(clock.now())
          .map((p) => ({ ...p, until_iso: new Date(p.until).toISOString() })),
        budgets: budget ? await budget.usage() : [],
      };
    },
    async shutdown() {
      await tracer?.shutdown();
    },
  };
}
