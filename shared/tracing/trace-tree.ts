/**
 * `evd daemon trace EVENT_ID`: an event's spans as a tree, one line per span, children in start
 * order under their parent. A span whose parent is not kept (an export still on its way, a trace
 * begun elsewhere) is shown at the top level.
 */
import type { AttributeValue } from "@opentelemetry/api";
import { SpanStatus, type SpanRecord } from "./span-record.ts";

function num(v: AttributeValue | undefined): number | undefined {
  return typeof v === "number" ? v : undefined;
}

function str(v: AttributeValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** What a span did, in a few words: outcome, status, model and tokens, the tool's action. */
export function spanSummary(span: SpanRecord): string {
  const a = span.attributes;
  const parts: string[] = [];
  const outcome = str(a["evd.admission.outcome"]);
  if (outcome) parts.push(outcome);
  if (a["evd.attempt"] !== undefined) parts.push(`attempt ${String(a["evd.attempt"])}`);
  const status = str(a["evd.status"]);
  if (status) parts.push(status);
  const model = str(a["gen_ai.request.model"]);
  if (model) parts.push(`model ${model}`);
  const input = num(a["gen_ai.usage.input_tokens"]);
  const output = num(a["gen_ai.usage.output_tokens"]);
  if (input !== undefined || output !== undefined) parts.push(`tokens ${input ?? 0} in / ${output ?? 0} out`);
  const cost = num(a["evd.cost_usd"]);
  if (cost !== undefined) parts.push(`$${cost.toFixed(4)}`);
  const action = str(a["evd.tool.action"]);
  if (action) parts.push(action);
  parts.push(`${Math.max(0, span.end_ms - span.start_ms)} ms`);
  const why = str(a["evd.error"]) ?? str(a["evd.reason"]);
  if (span.status === SpanStatus.ERROR) parts.push(`ERROR ${span.status_message ?? why ?? ""}`.trim());
  else if (why) parts.push(`(${why})`);
  return parts.join("  ");
}

export function renderTraceTree(spans: readonly SpanRecord[]): string {
  if (spans.length === 0) return "no spans recorded for this event";
  const byTrace = new Map<string, SpanRecord[]>();
  for (const s of spans) byTrace.set(s.trace_id, [...(byTrace.get(s.trace_id) ?? []), s]);
  const lines: string[] = [];
  for (const [traceId, list] of byTrace) {
    const ids = new Set(list.map((s) => s.span_id));
    const children = new Map<string, SpanRecord[]>();
    const roots: SpanRecord[] = [];
    const byStart = (a: SpanRecord, b: SpanRecord) => a.start_ms - b.start_ms || a.end_ms - b.end_ms;
    for (const s of [...list].sort(byStart)) {
      if (s.parent_span_id !== undefined && ids.has(s.parent_span_id) && s.parent_span_id !== s.span_id)
        children.set(s.parent_span_id, [...(children.get(s.parent_span_id) ?? []), s]);
      else roots.push(s);
    }
    if (lines.length) lines.push("");
    lines.push(`trace ${traceId}`);
    const walk = (s: SpanRecord, prefix: string, last: boolean, top: boolean): void => {
      const branch = top ? "" : last ? "└─ " : "├─ ";
      lines.push(`${prefix}${branch}${s.name}  ${spanSummary(s)}`);
      const kids = children.get(s.span_id) ?? [];
      const next = top ? prefix : `${prefix}${last ? "   " : "│  "}`;
      kids.forEach((k, i) => walk(k, next, i === kids.length - 1, false));
    };
    for (const r of roots) walk(r, "", true, true);
  }
  return lines.join("\n");
}
