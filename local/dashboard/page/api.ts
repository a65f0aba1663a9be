/// <reference lib="dom" />
/**
 * The page's calls to its server. Reads are GETs; every state change is a POST with a JSON body
 * from this page's origin (the server refuses anything else), carrying the session cookie.
 */
import type {
  ApprovalSummary,
  DeadLetterSummary,
  HandlerSummary,
  JobDetail,
  JobSummary,
  Metrics,
  Overview,
  SourceSummary,
  TraceView,
  TriggerResult,
} from "../dashboard-source.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/ui/api/${path}`, {
    method,
    credentials: "same-origin",
    headers: method === "POST" ? { "content-type": "application/json" } : {},
    ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { message: text };
  }
  if (!res.ok) throw new ApiError(res.status, (parsed as { message?: string }).message ?? `HTTP ${res.status}`);
  return parsed as T;
}

const seg = encodeURIComponent;

export const api = {
  overview: () => call<Overview>("GET", "overview"),
  jobs: (q: { handler?: string; status?: string; since?: number }) => {
    const params = new URLSearchParams({ limit: "200" });
    if (q.handler) params.set("handler", q.handler);
    if (q.status) params.set("status", q.status);
    if (q.since !== undefined) params.set("since", String(q.since));
    return call<JobSummary[]>("GET", `jobs?${params}`);
  },
  job: (id: string) => call<JobDetail>("GET", `jobs/${seg(id)}`),
  replay: (id: string) => call<{ jobs: string[] }>("POST", `jobs/${seg(id)}/replay`),
  sources: () => call<SourceSummary[]>("GET", "sources"),
  pause: (name: string, paused: boolean) =>
    call<SourceSummary>("POST", `sources/${seg(name)}/${paused ? "pause" : "resume"}`),
  deadLetters: () => call<DeadLetterSummary[]>("GET", "dead-letters"),
  redrive: (sel: { id: string } | { all: true }) => call<{ redriven: number }>("POST", "dead-letters/redrive", sel),
  handlers: () => call<HandlerSummary[]>("GET", "handlers"),
  trigger: (handler: string, payload: Record<string, unknown>) =>
    call<TriggerResult>("POST", "trigger", { handler, payload }),
  approvals: () => call<ApprovalSummary[]>("GET", "approvals"),
  decide: (id: string, decision: "approve" | "deny") =>
    call<{ job_id: string; decision: string }>("POST", `approvals/${seg(id)}`, { decision }),
  metrics: () => call<Metrics>("GET", "metrics"),
  trace: (eventId: string) => call<TraceView>("GET", `traces/${seg(eventId)}`),
};
