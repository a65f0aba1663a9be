/// <reference lib="dom" />
/**
 * The dashboard page: a hash router over the views, the header counters, and the live feed
 * (server-sent events from /ui/api/stream) handed to the view on screen.
 */
import type { JobSummary, Overview } from "../dashboard-source.ts";
import { api } from "./api.ts";
import { append, clear, h, toast } from "./dom.ts";
import { current, type View } from "./view.ts";
import { approvalsView } from "./views/approvals.ts";
import { chartsView } from "./views/charts.ts";
import { deadLettersView } from "./views/dead-letters.ts";
import { jobView } from "./views/job.ts";
import { jobsView } from "./views/jobs.ts";
import { sourcesView } from "./views/sources.ts";
import { traceView } from "./views/trace.ts";
import { triggerView } from "./views/trigger.ts";

const main = document.getElementById("main")!;
let view: View | undefined;

function route(): { name: string; view: View } {
  const hash = location.hash.replace(/^#\/?/, "");
  const [name = "jobs", ...rest] = hash.split("/");
  switch (name) {
    case "job":
      return { name: "jobs", view: jobView(decodeURIComponent(rest.join("/"))) };
    case "trace":
      return { name: "jobs", view: traceView(decodeURIComponent(rest.join("/"))) };
    case "charts":
      return { name, view: chartsView() };
    case "sources":
      return { name, view: sourcesView() };
    case "dead-letters":
      return { name, view: deadLettersView() };
    case "trigger":
      return { name, view: triggerView() };
    case "approvals":
      return { name, view: approvalsView() };
    default:
      return { name: "jobs", view: jobsView() };
  }
}

async function show(): Promise<void> {
  view?.dispose?.();
  const next = route();
  view = next.view;
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a"))
    a.classList.toggle("active", a.dataset.view === next.name);
  clear(main);
  try {
    await next.view.render(main);
  } catch (err) {
    append(main, h("p", { class: "error" }, `Could not load this page: ${(err as Error).message}`));
  }
}

function renderHeader(o: Overview): void {
  document.getElementById("kind")!.textContent = o.kind;
  document.getElementById("title")!.textContent = o.title;
  document.title = `evd: ${o.title}`;
  const counters = document.getElementById("counters")!;
  clear(counters);
  const counter = (label: string, value: number, href: string, name: string) =>
    h("a", { class: "counter", href, "data-counter": name }, label, h("b", {}, value));
  append(
    counters,
    counter("queued", o.queue_depth, "#/jobs", "queued"),
    counter("running", o.running, "#/jobs", "running"),
    counter("dead letters", o.dead_letters, "#/dead-letters", "dead"),
    o.can.approvals ? counter("approvals", o.approvals_waiting, "#/approvals", "approvals") : null,
  );
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a[data-view=approvals]"))
    a.hidden = !o.can.approvals;
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a[data-view=trigger]")) a.hidden = !o.can.trigger;
}

function setOverview(o: Overview): void {
  const previous = current.overview;
  current.overview = o;
  renderHeader(o);
  view?.onOverview?.(o, previous);
}

function connect(): void {
  const live = document.getElementById("live")!;
  const events = new EventSource("/ui/api/stream");
  const state = (s: string) => {
    live.dataset.state = s;
    live.textContent = s;
  };
  events.addEventListener("hello", () => state("live"));
  events.addEventListener("job", (e) => view?.onJob?.(JSON.parse((e as MessageEvent<string>).data) as JobSummary));
  events.addEventListener("overview", (e) => setOverview(JSON.parse((e as MessageEvent<string>).data) as Overview));
  events.addEventListener("problem", (e) =>
    toast(`live feed: ${(JSON.parse((e as MessageEvent<string>).data) as { message: string }).message}`, true),
  );
  events.onerror = () => state("reconnecting");
}

window.addEventListener("hashchange", () => void show());
void (async () => {
  try {
    setOverview(await api.overview());
  } catch (err) {
    toast(`could not reach the dashboard API: ${(err as Error).message}`, true);
  }
  await show();
  connect();
})();
