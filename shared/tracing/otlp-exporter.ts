/**
 * OTLP/HTTP (protobuf-free JSON) trace export, when `tracing.otlp_endpoint` is set or the standard
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT` is (the edge reads the
 * environment and passes the URL in). Headers (an API key) come from `OTEL_EXPORTER_OTLP_HEADERS`,
 * read by the exporter itself, so no secret sits in the config or the deploy bundle.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";

export function otlpExporter(url: string): SpanExporter {
  return new OTLPTraceExporter({ url });
}
