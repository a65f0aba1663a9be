/**
 * Where OTLP/HTTP traces go: `tracing.otlp_endpoint`, else the standard environment variables
 * (read at the edge and passed in). Apart from the exporter so that deciding costs no SDK import.
 */
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
