/// <reference lib="dom" />
/** Dead letters with their error; Redrive one or all. */
import type { DeadLetterSummary } from "../../dashboard-source.ts";
import { api } from "../api.ts";
import { append, clear, h, jobHref, toast, when } from "../dom.ts";
import { current, type View } from "../view.ts";

export function deadLettersView(): View {
  let tbody: HTMLTableSectionElement | undefined;
  let empty: HTMLElement | undefined;

  async function redrive(sel: { id: string } | { all: true }): Promise<void> {
    try {
      const out = await api.redrive(sel);
      toast(`redriven: ${out.redriven}`);
      await load();
    } catch (err) {
      toast(`redrive failed: ${(err as Error).message}`, true);
    }
  }

  function row(d: DeadLetterSummary): HTMLTableRowElement {
    return h(
      "tr",
      { "data-dead-letter": d.id },
      h("td", { class: "mono" }, d.job_id ? h("a", { href: jobHref(d.job_id) }, d.job_id) : d.id),
      h("td", {}, d.handler ?? ""),
      h("td", {}, d.attempts ?? ""),
      h("td", {}, when(d.at)),
      h("td", { class: "error" }, d.error ?? ""),
      h(
        "td",
        {},
        current.overview?.can.redrive_one === false
          ? null
          : h("button", { "data-action": "redrive", onclick: () => void redrive({ id: d.id }) }, "Redrive"),
      ),
    );
  }

  async function load(): Promise<void> {
    const letters = await api.deadLetters();
    clear(tbody!);
    for (const d of letters) tbody!.appendChild(row(d));
    empty!.hidden = letters.length > 0;
  }

  return {
    async render(main) {
      tbody = h("tbody");
      empty = h("p", { class: "empty" }, "No dead letters.");
      append(
        main,
        h(
          "div",
          { class: "panel" },
          h(
            "div",
            { class: "row" },
            h("h2", {}, "Dead letters"),
            h(
              "button",
              { class: "secondary", id: "redrive-all", onclick: () => void redrive({ all: true }) },
              "Redrive all",
            ),
          ),
          h(
            "table",
            { id: "dead-letters" },
            h(
              "thead",
              {},
              h("tr", {}, ...["job", "handler", "attempts", "dead since", "error", ""].map((c) => h("th", {}, c))),
            ),
            tbody,
          ),
          empty,
        ),
      );
      await load();
    },
    onOverview(o, previous) {
      if (previous?.dead_letters !== o.dead_letters) void load().catch(() => undefined);
    },
  };
}
