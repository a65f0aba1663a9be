/// <reference lib="dom" />
/** Sources: state, last and next firing, events seen; pause and resume where the backend can. */
import type { SourceSummary } from "../../dashboard-source.ts";
import { api } from "../api.ts";
import { append, badge, clear, h, toast, when } from "../dom.ts";
import type { View } from "../view.ts";

export function sourcesView(): View {
  let tbody: HTMLTableSectionElement | undefined;

  function row(s: SourceSummary): HTMLTableRowElement {
    const button = s.pausable
      ? h(
          "button",
          {
            class: s.paused ? "" : "secondary",
            "data-action": s.paused ? "resume" : "pause",
            onclick: async () => {
              try {
                await api.pause(s.name, !s.paused);
                await load();
              } catch (err) {
                toast(`${s.paused ? "resume" : "pause"} failed: ${(err as Error).message}`, true);
              }
            },
          },
          s.paused ? "Resume" : "Pause",
        )
      : null;
    return h(
      "tr",
      { "data-source": s.name, "data-paused": s.paused ? "true" : "false" },
      h("td", { class: "mono" }, s.name),
      h("td", {}, s.type),
      h("td", {}, s.handler),
      h("td", {}, badge(s.state), s.error ? h("div", { class: "error" }, s.error) : null),
      h("td", {}, when(s.last_fire)),
      h("td", {}, when(s.next_fire)),
      h("td", {}, s.events ?? ""),
      h("td", { class: "muted" }, s.detail ?? ""),
      h("td", {}, button),
    );
  }

  async function load(): Promise<void> {
    const sources = await api.sources();
    clear(tbody!);
    for (const s of sources) tbody!.appendChild(row(s));
  }

  return {
    async render(main) {
      tbody = h("tbody");
      append(
        main,
        h(
          "div",
          { class: "panel" },
          h("h2", {}, "Sources"),
          h(
            "table",
            { id: "sources" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["name", "type", "handler", "state", "last fired", "next", "events", "detail", ""].map((c) =>
                  h("th", {}, c),
                ),
              ),
            ),
            tbody,
          ),
        ),
      );
      await load();
    },
    onOverview() {
      void load().catch(() => undefined);
    },
  };
}
