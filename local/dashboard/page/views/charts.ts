/// <reference lib="dom" />
/** Jobs per minute, acknowledgement and run latency percentiles, failures by handler: the last hour. */
import type { LatencySeries, Metrics } from "../../dashboard-source.ts";
import { api } from "../api.ts";
import { append, clear, duration, h } from "../dom.ts";
import { horizontalBars, lines, stackedBars } from "../svg-charts.ts";
import type { View } from "../view.ts";

const hhmm = (iso: string) =>
  new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });

function legend(items: [string, string][]): HTMLElement {
  return h(
    "div",
    { class: "legend" },
    ...items.map(([name, color]) => h("span", {}, h("i", { class: `swatch-${color.slice(1)}` }), name)),
  );
}

function latencyPanel(l: LatencySeries): HTMLElement {
  const o = l.overall;
  return h(
    "div",
    { class: "panel", "data-chart": `latency-${l.name}` },
    h("h3", {}, `${l.label}: percentiles`),
    h(
      "p",
      { class: "muted" },
      o.count === 0
        ? (l.note ?? "no samples in the last hour")
        : `${o.count} samples · p50 ${duration(o.p50)} · p95 ${duration(o.p95)} · p99 ${duration(o.p99)}`,
    ),
    lines(
      l.buckets.map((b) => hhmm(b.at)),
      [
        { name: "p50", color: "#2f6fed", points: l.buckets.map((b) => b.p50) },
        { name: "p95", color: "#c98a00", points: l.buckets.map((b) => b.p95) },
        { name: "p99", color: "#d64545", points: l.buckets.map((b) => b.p99) },
      ],
      " ms",
    ),
    legend([
      ["p50", "#2f6fed"],
      ["p95", "#c98a00"],
      ["p99", "#d64545"],
    ]),
  );
}

function draw(root: HTMLElement, m: Metrics): void {
  clear(root);
  append(
    root,
    h(
      "div",
      { class: "panel", "data-chart": "jobs-per-minute" },
      h("h3", {}, "Jobs per minute"),
      stackedBars(
        m.jobs_per_minute.map((b) => ({
          label: hhmm(b.at),
          parts: [
            { name: "succeeded", value: b.succeeded, color: "#1f9d55" },
            { name: "failed", value: b.failed, color: "#d64545" },
            { name: "skipped/dropped", value: b.other, color: "#8a94a6" },
          ],
        })),
      ),
      legend([
        ["succeeded", "#1f9d55"],
        ["failed", "#d64545"],
        ["skipped / dropped", "#8a94a6"],
      ]),
    ),
    ...m.latency.map(latencyPanel),
    h(
      "div",
      { class: "panel", "data-chart": "failures-by-handler" },
      h("h3", {}, "Failures by handler"),
      m.failures_by_handler.length === 0
        ? h("p", { class: "empty" }, "No runs in the last hour.")
        : horizontalBars(m.failures_by_handler.map((f) => ({ label: f.handler, value: f.failed, total: f.runs }))),
    ),
  );
}

export function chartsView(): View {
  let timer: ReturnType<typeof setInterval> | undefined;
  let root: HTMLElement | undefined;
  const refresh = async () => draw(root!, await api.metrics());
  return {
    async render(main) {
      root = h("div", { class: "charts", id: "charts" });
      append(main, h("h2", {}, "The last hour"), root);
      await refresh();
      timer = setInterval(() => void refresh().catch(() => undefined), 10_000);
    },
    dispose() {
      if (timer) clearInterval(timer);
    },
  };
}
