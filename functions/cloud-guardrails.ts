/**
 * The guardrails and tracing of both Lambda functions, over the shared state table:
 * - the storm breaker (DynamoDB item per source, shared by every container) and the loop guard,
 *   behind the admission guard (ingest, and the runner admitting Scheduler firings); a pause
 *   emits the `source_paused` metric (the `SourcePaused` alarm);
 * - budgets over DynamoDB counters (the runner);
 * - the event tracer, exporting over OTLP/HTTP when `tracing.otlp_endpoint` (or the standard
 *   OTEL_EXPORTER_OTLP_* variables) says where: an ADOT collector layer, or any OTLP endpoint.
 *   Spans are flushed before each invocation returns (Lambda freezes the process after). The
 *   OpenTelemetry SDK is imported only then: a function without an endpoint never loads it.
 */
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import { createAdmissionGuard, type AdmissionGuard } from "../shared/guardrails/admission-guard.ts";
import { createBudgetGate, type BudgetGate } from "../shared/guardrails/budget-gate.ts";
import { priceTable } from "../shared/guardrails/price-table.ts";
import { createStormBreaker } from "../shared/guardrails/storm-breaker.ts";
import type { HookBus } from "../shared/hooks/lifecycle.ts";
import type { Logger } from "../shared/logging/logger.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { EventTracer } from "../shared/tracing/event-tracer.ts";
import { otlpTracesUrl } from "../shared/tracing/otlp-traces-url.ts";
import type { CloudAdapters } from "./cloud-adapters.ts";
import { Metric, type MetricSink } from "./metrics.ts";

export interface CloudGuardrails {
  readonly guard: AdmissionGuard;
  readonly budget?: BudgetGate;
  readonly tracer?: EventTracer;
  /** Exports the spans of this invocation (no-op without tracing). */
  flush(): Promise<void>;
}

export async function cloudGuardrails(opts: {
  readonly config: OrchestratorConfig;
  readonly adapters: Pick<CloudAdapters, "counters" | "breakers">;
  readonly hooks: HookBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricSink;
  readonly env: Readonly<Record<string, string | undefined>>;
}): Promise<CloudGuardrails> {
  const { config, clock, logger } = opts;
  const breaker = createStormBreaker(config.guardrails.storm, {
    store: opts.adapters.breakers,
    clock,
    hooks: opts.hooks,
    logger,
    onTrip: () => opts.metrics(Metric.SOURCE_PAUSED, 1),
  });
  const prices = priceTable(config.prices);
  const budget = createBudgetGate(config, { counters: opts.adapters.counters, prices, clock, logger });
  const url = config.tracing.enabled ? otlpTracesUrl(config.tracing, opts.env) : undefined;
  let tracer: EventTracer | undefined;
  if (url) {
    const [{ createEventTracer }, { otlpExporter }] = await Promise.all([
      import("../shared/tracing/event-tracer.ts"),
      import("../shared/tracing/otlp-exporter.ts"),
    ]);
    tracer = createEventTracer({
      serviceName: config.tracing.service_name,
      exporters: [otlpExporter(url)],
      clock,
      prices,
    });
  }
  return {
    guard: createAdmissionGuard(config, breaker),
    ...(budget ? { budget } : {}),
    ...(tracer ? { tracer } : {}),
    async flush() {
      try {
        await tracer?.flush();
      } catch (err) {
        logger.log("warn", "could not export the spans", { error: err instanceof Error ? err.message : String(err) });
      }
    },
  };
}
