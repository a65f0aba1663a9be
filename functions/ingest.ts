/**
 * The ingest Lambda: API Gateway HTTP API (payload 2.0) -> the shared ingest -> the same JSON
 * answers as the daemon. Verifies, normalizes, routes and enqueues; never runs a pipeline.
 * Config, secrets cache and clients live for the container (built on the first request).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { createIngest, type IngestRequest, type IngestResponse } from "../shared/ingest/ingest.ts";
import type { Logger } from "../shared/logging/logger.ts";
import { INGEST_SDK_TIMEOUTS } from "../shared/aws/aws-connection.ts";
import { buildContainer, type ContainerOptions } from "./container.ts";
import { cloudGuardrails } from "./cloud-guardrails.ts";
import { apiGatewayResultOf, errorResult, ingestRequestOf } from "./api-gateway.ts";
import { emfMetrics, Metric, type MetricSink } from "./metrics.ts";

export type IngestFn = (req: IngestRequest) => Promise<IngestResponse>;
export type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface IngestHandlerDeps {
  readonly ingest: IngestFn;
  readonly logger: Logger;
  readonly metrics: MetricSink;
  /** Exports the request's spans before the invocation returns. @default none */
  readonly flush?: () => Promise<void>;
}

/** Wraps an ingest function (built once, on first use) into an API Gateway handler. */
export function createIngestHandler(init: () => Promise<IngestHandlerDeps>): IngestHandler {
  let ready: Promise<IngestHandlerDeps> | undefined;
  return async (event) => {
    let deps: IngestHandlerDeps;
    try {
      deps = await (ready ??= init());
    } catch (err) {
      ready = undefined; // a broken cold start is retried by the next request
      process.stderr.write(
        `${JSON.stringify({ level: "ERROR", message: "ingest init failed", error: (err as Error).message })}\n`,
      );
      return errorResult(500, "init_failed", "the ingest function could not start; nothing was enqueued");
    }
    const req = ingestRequestOf(event);
    deps.metrics(Metric.RECEIVED);
    const res = await deps.ingest(req);
    outcomeMetric(res, deps.metrics);
    deps.logger.log(res.status >= 500 ? "error" : res.status >= 400 ? "warn" : "info", "ingest answered", {
      path: req.path,
      status: res.status,
      request_id: event.requestContext?.requestId,
      ...(res.status < 300 ? eventFields(res.body) : {}),
    });
    await deps.flush?.();
    return apiGatewayResultOf(res);
  };
}

function eventFields(body: string): Record<string, unknown> {
  try {
    const b = JSON.parse(body) as { event_id?: unknown; jobs?: unknown; status?: unknown };
    return { event_id: b.event_id, job_ids: b.jobs, outcome: b.status };
  } catch {
    return {};
  }
}

function outcomeMetric(res: IngestResponse, metrics: MetricSink): void {
  if (res.status === 202) {
    const b = eventFields(res.body);
    const jobs = Array.isArray(b.job_ids) ? b.job_ids.length : 0;
    if (b.outcome === "accepted") metrics(Metric.ENQUEUED, jobs);
    else if (b.outcome === "duplicate") metrics(Metric.DUPLICATE);
    else metrics(Metric.REJECTED, 1, { status: String(b.outcome) });
  } else if (res.status >= 400) {
    metrics(Metric.REJECTED, 1, { status: String(res.status) });
  }
}

export interface IngestRuntimeOptions extends ContainerOptions {
  readonly metrics?: MetricSink;
}

/** Builds the ingest from the Lambda environment (what `handler` does on a cold start). */
export async function ingestFromEnvironment(opts: IngestRuntimeOptions): Promise<IngestHandlerDeps> {
  const { bundle, clock, logger, adapters, hooks } = await buildContainer(
    opts,
    "evd-ingest",
    import.meta.dirname,
    // Short: the webhook sender waits (GitHub 10 s); a stuck call fails fast and the sender gets a 5xx.
    INGEST_SDK_TIMEOUTS,
  );
  const metrics = opts.metrics ?? emfMetrics((l) => process.stdout.write(`${l}\n`), { service: "ingest" });
  const guardrails = await cloudGuardrails({
    config: bundle.config,
    adapters,
    hooks,
    clock,
    logger,
    metrics,
    env: opts.env,
  });
  return {
    ingest: createIngest({
      config: bundle.config,
      queue: adapters.queue,
      secrets: adapters.secrets,
      hooks,
      clock,
      logger,
      guard: guardrails.guard,
      ...(guardrails.tracer ? { tracer: guardrails.tracer } : {}),
    }),
    logger,
    metrics,
    flush: () => guardrails.flush(),
  };
}

export const handler: IngestHandler = createIngestHandler(() => ingestFromEnvironment({ env: process.env }));
