/// <reference lib="dom" />
/** Run a handler now with a payload typed in the editor (checked as JSON while typing). */
import type { HandlerSummary } from "../../dashboard-source.ts";
import { api } from "../api.ts";
import { append, clear, h, jobHref, toast } from "../dom.ts";
import type { View } from "../view.ts";

/** The payload as an object, or why it is not one (with the parser's position). */
export function parsePayload(text: string): { payload?: Record<string, unknown>; problem?: string } {
  if (text.trim() === "") return { payload: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { problem: "the payload must be a JSON object ({...})" };
  return { payload: value as Record<string, unknown> };
}

export function triggerView(): View {
  return {
    async render(main) {
      const handlers: HandlerSummary[] = await api.handlers();
      const select = h(
        "select",
        { id: "trigger-handler" },
        ...handlers.map((x) => h("option", { value: x.name }, x.name)),
      );
      const editor = h("textarea", { id: "payload-editor", spellcheck: "false" });
      const problem = h("p", { class: "error", id: "payload-problem" });
      const description = h("p", { class: "muted" });
      const result = h("div", { id: "trigger-result" });
      const button = h("button", { id: "trigger" }, "Trigger");

      const check = () => {
        const parsed = parsePayload(editor.value);
        problem.textContent = parsed.problem ?? "";
        editor.classList.toggle("invalid", parsed.problem !== undefined);
        button.disabled = parsed.problem !== undefined || select.value === "";
        return parsed;
      };
      const pick = () => {
        const handler = handlers.find((x) => x.name === select.value);
        description.textContent = handler?.description ?? "";
        editor.value = JSON.stringify(handler?.sample_payload ?? {}, null, 2);
        check();
      };
      select.addEventListener("change", pick);
      editor.addEventListener("input", check);
      button.addEventListener("click", async () => {
        const parsed = check();
        if (!parsed.payload) return;
        button.disabled = true;
        try {
          const out = await api.trigger(select.value, parsed.payload);
          clear(result);
          append(
            result,
            h(
              "p",
              {},
              `${out.status}: event `,
              h("span", { class: "mono" }, out.event_id),
              out.reason ? ` (${out.reason})` : "",
            ),
            ...out.jobs.map((id) => h("p", {}, "job ", h("a", { href: jobHref(id), class: "mono" }, id))),
          );
        } catch (err) {
          toast(`trigger failed: ${(err as Error).message}`, true);
        } finally {
          check();
        }
      });
      append(
        main,
        h(
          "div",
          { class: "panel" },
          h("h2", {}, "Trigger a handler"),
          handlers.length === 0 ? h("p", { class: "empty" }, "This configuration has no handlers.") : null,
          h("div", { class: "row" }, h("label", {}, "handler "), select),
          description,
          h("label", {}, "payload (JSON object)"),
          editor,
          problem,
          h("div", { class: "row" }, button),
          result,
        ),
      );
      pick();
    },
  };
}
