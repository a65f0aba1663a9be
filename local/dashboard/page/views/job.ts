/// <reference lib="dom" />
/**
 * One job: its event's payload, each run with each step's rendered input and output, timings and
 * the error; Replay, and Redrive when it is dead. Re-read when the live feed says it changed.
 */
import type { EventResult } from "../../../../shared/events/event.ts";
import type { StepTrace } from "../../../../shared/events/step-trace.ts";
import type { JobDetail } from "../../dashboard-source.ts";
import { api } from "../api.ts";
import { append, badge, clear, duration, h, jobHref, pretty, toast, when } from "../dom.ts";
import { current, type View } from "../view.ts";

function facts(rows: [string, Node | string | number | undefined][]): HTMLDListElement {
  const dl = h("dl", { class: "facts" });
  for (const [k, v] of rows) if (v !== undefined && v !== "") append(dl, h("dt", {}, k), h("dd", {}, v));
  return dl;
}

function step(s: StepTrace): HTMLDetailsElement {
  return h(
    "details",
    { class: "step", "data-step": s.step, open: s.status === "failed" },
    h(
      "summary",
      {},
      h(
        "span",
        { class: "step-head" },
        badge(s.status),
        h("b", { class: "mono" }, s.step),
        h("span", { class: "muted" }, s.action ?? s.kind),
        h("span", { class: "muted" }, duration(s.duration_ms)),
      ),
    ),
    s.reason ? h("p", { class: "muted" }, s.reason) : null,
    s.input !== undefined
      ? h("div", {}, h("h4", {}, "Input (rendered)"), h("pre", { class: "step-input" }, pretty(s.input)))
      : null,
    s.output !== undefined
      ? h("div", {}, h("h4", {}, "Output"), h("pre", { class: "step-output" }, pretty(s.output)))
      : null,
    s.error ? h("div", {}, h("h4", {}, "Error"), h("pre", { class: "error" }, s.error)) : null,
  );
}

function run(r: EventResult, index: number, total: number): HTMLElement {
  return h(
    "div",
    { class: "panel run", "data-attempt": r.attempt ?? index + 1 },
    h(
      "h3",
      {},
      `Attempt ${r.attempt ?? index + 1}`,
      index === total - 1 ? " (latest)" : "",
      " ",
      badge(r.status ?? (r.success ? "succeeded" : "failed")),
    ),
    facts([
      ["started", when(r.started_at)],
      ["finished", when(r.finished_at)],
      ["duration", duration(r.duration_ms)],
      ["actions", r.actions_taken.join(", ")],
      ["reason", r.reason],
    ]),
    r.error ? h("pre", { class: "error run-error" }, r.error) : null,
    h("h3", {}, "Steps"),
    r.steps && r.steps.length > 0
      ? h("div", { class: "steps" }, ...r.steps.map(step))
      : h("p", { class: "empty" }, "No step trace for this run."),
    r.output !== undefined && r.output !== null && (!r.steps || r.steps.length === 0)
      ? h("pre", {}, pretty(r.output))
      : null,
  );
}

export function jobView(id: string): View {
  let root: HTMLElement | undefined;

  async function draw(): Promise<void> {
    const job: JobDetail = await api.job(id);
    const el = root!;
    clear(el);
    const actions = h("div", { class: "row" });
    if (current.overview?.can.replay)
      append(
        actions,
        h(
          "button",
          {
            id: "replay",
            onclick: async () => {
              try {
                const out = await api.replay(job.id);
                toast(out.jobs.length ? `replayed as ${out.jobs.join(", ")}` : "nothing to replay");
                if (out.jobs[0]) location.hash = jobHref(out.jobs[0]);
              } catch (err) {
                toast(`replay failed: ${(err as Error).message}`, true);
              }
            },
          },
          "Replay",
        ),
      );
    if (job.status === "dead")
      append(
        actions,
        h(
          "button",
          {
            id: "redrive",
            class: "secondary",
            onclick: async () => {
              try {
                await api.redrive({ id: job.id });
                toast("redriven: it runs again");
              } catch (err) {
                toast(`redrive failed: ${(err as Error).message}`, true);
              }
            },
          },
          "Redrive",
        ),
      );
    if (job.trace_url) append(actions, h("a", { href: job.trace_url, id: "trace-link" }, "Trace"));
    append(
      el,
      h("h2", {}, h("span", { class: "mono" }, job.id), " ", badge(job.status)),
      h(
        "div",
        { class: "panel" },
        facts([
          ["handler", job.handler],
          ["event", h("span", { class: "mono" }, job.event_id)],
          ["type / source", `${job.event_type} / ${job.event_source}`],
          ["received", when(job.received_at)],
          ["started", when(job.started_at)],
          ["finished", when(job.finished_at)],
          ["duration", duration(job.duration_ms)],
          ["attempts", job.attempts],
          ["replay of", job.replay_of ? h("a", { href: jobHref(job.replay_of) }, job.replay_of) : undefined],
        ]),
        job.error ? h("pre", { class: "error", id: "job-error" }, job.error) : null,
        actions,
      ),
      h(
        "div",
        { class: "panel" },
        h("h3", {}, "Event payload"),
        h("pre", { id: "payload" }, pretty(job.event?.payload ?? {})),
      ),
      ...job.runs.map((r, i) => run(r, i, job.runs.length)).reverse(),
    );
  }

  return {
    async render(main) {
      root = h("div", { id: "job" });
      append(main, h("p", {}, h("a", { href: "#/jobs" }, "← all jobs")), root);
      await draw();
    },
    onJob(job) {
      if (job.id === id) void draw().catch(() => undefined);
    },
  };
}
