/**
 * OTLP/HTTP (protobuf-free JSON) trace export, when `tracing.otlp_endpoint` is set or the standard
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT` is (the edge reads the
 * environment and passes the URL in). Headers (an API key) come from `OTEL_EXPORTER_OTLP_HEADERS`,
 * read by the exporter itself, so no secret sits in the config or the deploy bundle.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { TracingConfig } from "../config/guardrails-schema.ts";

/** The traces URL: the config's, else the environment's (`…_ENDPOINT` gets `/v1/traces` appended). */
export function otlpTracesUrl(
  tracing: Pick<TracingConfig, "otlp_endpoint">,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (tracing.otlp_endpoint) return tracing.otlp_endpoint;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined;
}

export function otlpExporter(url: string): SpanExporter {
  return new OTLPTraceExporter({ url });
}
