/// <reference lib="dom" />
/** An event's trace: its spans as a tree, each with a bar on the event's timeline (a waterfall). */
import type { TraceSpan } from "../../dashboard-source.ts";
import { api } from "../api.ts";
import { append, h } from "../dom.ts";
import type { View } from "../view.ts";

/** Spans in tree order (children after their parent, by start), with their depth. */
export function treeOrder(spans: readonly TraceSpan[]): { span: TraceSpan; depth: number }[] {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, TraceSpan[]>();
  const roots: TraceSpan[] = [];
  for (const s of [...spans].sort((a, b) => a.start_ms - b.start_ms || a.end_ms - b.end_ms)) {
    const parent = s.parent_span_id;
    if (parent !== undefined && parent !== s.span_id && ids.has(parent))
      children.set(parent, [...(children.get(parent) ?? []), s]);
    else roots.push(s);
  }
  const out: { span: TraceSpan; depth: number }[] = [];
  const walk = (s: TraceSpan, depth: number) => {
    out.push({ span: s, depth });
    for (const c of children.get(s.span_id) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return out;
}

/**
 * Spans are exported in batches (a job's steps may land before the job's own span, and a running
 * job adds more): while shown, the view asks again this often and redraws when the spans changed.
 */
const TRACE_REFRESH_MS = 1000;

export function traceView(eventId: string): View {
  let refresh: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  let shown: string | undefined;
  const view: View = {
    dispose() {
      disposed = true;
      clearTimeout(refresh);
    },
    async render(main) {
      const trace = await api.trace(eventId);
      if (disposed) return;
      refresh = setTimeout(() => void view.render(main).catch(() => undefined), TRACE_REFRESH_MS);
      const seen = trace.spans.map((s) => `${s.span_id}:${s.end_ms}`).join(",");
      if (seen === shown) return;
      shown = seen;
      main.replaceChildren();
      append(
        main,
        h("p", {}, h("a", { href: "#/jobs" }, "← all jobs")),
        h("h2", {}, "Trace of ", h("span", { class: "mono" }, eventId)),
      );
      if (trace.spans.length === 0) {
        append(main, h("p", { class: "empty" }, "No spans recorded for this event yet."));
        return;
      }
      const start = Math.min(...trace.spans.map((s) => s.start_ms));
      const end = Math.max(...trace.spans.map((s) => s.end_ms));
      const total = Math.max(1, end - start);
      const rows = treeOrder(trace.spans).map(({ span, depth }) => {
        const left = ((span.start_ms - start) / total) * 100;
        const width = Math.max(0.5, Math.min(100 - left, ((span.end_ms - span.start_ms) / total) * 100));
        return h(
          "tr",
          { "data-span": span.name, "data-status": span.status },
          h("td", { class: `mono depth-${Math.min(depth, 8)}` }, span.name),
          h(
            "td",
            { class: "waterfall" },
            h("div", { class: `bar bar-${span.status} at-${Math.round(left)} w-${Math.ceil(width)}` }),
          ),
          h("td", { class: span.status === "error" ? "error" : "muted" }, span.summary),
        );
      });
      append(
        main,
        h(
          "div",
          { class: "panel" },
          h("p", { class: "muted" }, `${trace.spans.length} spans over ${end - start} ms`),
          h(
            "table",
            { id: "trace" },
            h("thead", {}, h("tr", {}, h("th", {}, "span"), h("th", {}, "timeline"), h("th", {}, "what"))),
            h("tbody", {}, ...rows),
          ),
        ),
      );
    },
  };
  return view;
}
