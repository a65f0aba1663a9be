/// <reference lib="dom" />
/** Jobs, newest first, filtered by handler, status and time; rows appear and change live. */
import { JOB_STATUSES, type JobSummary } from "../../dashboard-source.ts";
import { api } from "../api.ts";
import { append, badge, clear, duration, h, jobHref, when } from "../dom.ts";
import type { View } from "../view.ts";

const RANGES: readonly [string, number | undefined][] = [
  ["last 15 minutes", 15 * 60_000],
  ["last hour", 3_600_000],
  ["last 24 hours", 86_400_000],
  ["last 7 days", 7 * 86_400_000],
  ["all", undefined],
];

/** Filters survive leaving and coming back to the list. */
const filters = { handler: "", status: "", range: 2 };

export function jobsView(): View {
  const rows = new Map<string, HTMLTableRowElement>();
  let tbody: HTMLTableSectionElement | undefined;
  let emptyNote: HTMLElement | undefined;

  const since = () => {
    const ms = RANGES[filters.range]?.[1];
    return ms === undefined ? undefined : Date.now() - ms;
  };
  const matches = (j: JobSummary) => {
    if (filters.handler && j.handler !== filters.handler) return false;
    if (filters.status && j.status !== filters.status) return false;
    const s = since();
    return s === undefined || Date.parse(j.received_at) >= s;
  };

  function row(j: JobSummary): HTMLTableRowElement {
    return h(
      "tr",
      {
        class: "clickable",
        "data-job-id": j.id,
        "data-status": j.status,
        onclick: () => (location.hash = jobHref(j.id)),
      },
      h("td", { class: "mono" }, when(j.received_at)),
      h("td", {}, j.event_type),
      h("td", { class: "mono" }, j.event_source),
      h("td", {}, j.handler),
      h("td", {}, badge(j.status), j.replay_of ? h("span", { class: "muted" }, " replay") : null),
      h("td", {}, duration(j.duration_ms)),
      h("td", {}, j.attempts),
      h("td", { class: "error" }, j.error ? j.error.slice(0, 120) : ""),
    );
  }

  async function load(): Promise<void> {
    const jobs = await api.jobs({
      ...(filters.handler ? { handler: filters.handler } : {}),
      ...(filters.status ? { status: filters.status } : {}),
      ...(since() !== undefined ? { since: since()! } : {}),
    });
    clear(tbody!);
    rows.clear();
    for (const j of jobs) {
      const tr = row(j);
      rows.set(j.id, tr);
      tbody!.appendChild(tr);
    }
    emptyNote!.hidden = jobs.length > 0;
  }

  return {
    async render(main) {
      const handlers = await api.handlers().catch(() => []);
      const select = (name: keyof typeof filters, options: [string, string][], value: string) =>
        h(
          "select",
          {
            name,
            onchange: (e: Event) => {
              const v = (e.target as HTMLSelectElement).value;
              if (name === "range") filters.range = Number(v);
              else filters[name] = v;
              void load();
            },
          },
          ...options.map(([label, v]) => h("option", { value: v, selected: v === value }, label)),
        );
      tbody = h("tbody");
      emptyNote = h("p", { class: "empty" }, "No jobs match. Send an event, or trigger a handler.");
      append(
        main,
        h(
          "div",
          { class: "panel" },
          h(
            "div",
            { class: "filters" },
            h(
              "label",
              {},
              "handler ",
              select(
                "handler",
                [["all", ""], ...handlers.map((x): [string, string] => [x.name, x.name])],
                filters.handler,
              ),
            ),
            h(
              "label",
              {},
              "status ",
              select(
                "status",
                [["all", ""], ...JOB_STATUSES.map((s): [string, string] => [s.replace(/_/g, " "), s])],
                filters.status,
              ),
            ),
            h(
              "label",
              {},
              "time ",
              select(
                "range",
                RANGES.map(([label], i): [string, string] => [label, String(i)]),
                String(filters.range),
              ),
            ),
          ),
          h(
            "table",
            { id: "jobs" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["received", "type", "source", "handler", "status", "duration", "attempts", "error"].map((c) =>
                  h("th", {}, c),
                ),
              ),
            ),
            tbody,
          ),
          emptyNote,
        ),
      );
      await load();
    },
    onJob(job) {
      if (!tbody) return;
      const old = rows.get(job.id);
      if (!matches(job)) {
        old?.remove();
        rows.delete(job.id);
        return;
      }
      const tr = row(job);
      if (old) old.replaceWith(tr);
      else {
        tr.classList.add("fresh");
        tbody.insertBefore(tr, tbody.firstChild);
      }
      rows.set(job.id, tr);
      emptyNote!.hidden = true;
    },
  };
}
