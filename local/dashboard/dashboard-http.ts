/**
 * The dashboard over HTTP, under `/ui`: the login exchange, the page, a JSON API over a
 * DashboardSource and the live feed as server-sent events. Mounted on the daemon's loopback admin
 * listener, or on its own loopback server by `evd cloud ui`.
 *
 * Who may call it:
 * - `GET /ui/login?token=T` exchanges a one-time login token for a session cookie (HttpOnly,
 *   SameSite=Strict, Path=/ui) and redirects to the page. Everything else needs that cookie.
 * - Every request must name this server in `Host` (a DNS-rebound name is refused).
 * - Every state-changing request (POST) must also carry an `Origin` that is this server, and a
 *   JSON body: a page on another origin can neither send the cookie (SameSite) nor pass the check.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../shared/logging/logger.ts";
import { cookieValue, DashboardSessions, SESSION_COOKIE } from "./dashboard-sessions.ts";
import {
  ApprovalDecision,
  DashboardRequestError,
  JOB_STATUSES,
  type DashboardSource,
  type JobStatus,
} from "./dashboard-source.ts";
import { LiveFeed } from "./live-feed.ts";
import { pageAssets } from "./page-assets.ts";

export interface DashboardHttpOptions {
  readonly source: DashboardSource;
  readonly sessions: DashboardSessions;
  /** The origins this dashboard is served from (`http://127.0.0.1:PORT`), known once listening. */
  readonly origins: () => readonly string[];
  readonly logger: Logger;
  /** How often the live feed asks the source for changes. */
  readonly pollMs: number;
  /** Overview every this many polls. @default 1 */
  readonly overviewEvery?: number;
  /** What the refusal page tells a visitor without a session. */
  readonly loginHint: string;
}

export interface DashboardHttp {
  /** Serves a request whose path starts with `/ui`. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** A URL path that logs a browser in once: `/ui/login?token=...`. */
  loginPath(): string;
  close(): void;
}

const MAX_BODY = 1024 * 1024;
/** What a route answers when it took over the response (the event stream). */
const STREAMING = Symbol("streaming");
const HOUR_MS = 3_600_000;

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
} as const;
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": type,
    "content-length": String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body ?? {}));

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function refusalPage(title: string, text: string): string {
  return `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><body style="font-family:sans-serif;max-width:40em;margin:4em auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body>`;
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type))
    throw new DashboardRequestError(415, "state-changing requests take a JSON body (content-type: application/json)");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new DashboardRequestError(413, `request body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    throw new DashboardRequestError(400, `request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new DashboardRequestError(400, "request body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DashboardRequestError(400, `bad percent-encoding in "${segment}"`);
  }
}

function positiveInt(text: string | null, what: string): number | undefined {
  if (text === null || text === "") return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new DashboardRequestError(400, `${what} must be a positive integer`);
  return n;
}

type Params = readonly string[];
type Handler = (req: IncomingMessage, url: URL, params: Params, res: ServerResponse) => Promise<unknown>;
interface Route {
  readonly method: "GET" | "POST";
  readonly pattern: RegExp;
  readonly handler: Handler;
}

export function createDashboardHttp(options: DashboardHttpOptions): DashboardHttp {
  const { source, sessions, logger } = options;
  const feed = new LiveFeed({
    source,
    logger,
    pollMs: options.pollMs,
    ...(options.overviewEvery ? { overviewEvery: options.overviewEvery } : {}),
  });
  const openStreams = new Set<ServerResponse>();

  const routes: Route[] = [
    { method: "GET", pattern: /^\/ui\/api\/overview$/, handler: () => source.overview() },
    {
      method: "GET",
      pattern: /^\/ui\/api\/jobs$/,
      handler: async (_req, url) => {
        const status = url.searchParams.get("status") || undefined;
        if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status))
          throw new DashboardRequestError(400, `status must be one of ${JOB_STATUSES.join(", ")}`);
        const sinceText = url.searchParams.get("since");
        const since = sinceText ? Number(sinceText) : undefined;
        if (since !== undefined && !Number.isFinite(since))
          throw new DashboardRequestError(400, "since must be epoch milliseconds");
        return source.listJobs({
          ...(url.searchParams.get("handler") ? { handler: url.searchParams.get("handler")! } : {}),
          ...(status ? { status: status as JobStatus } : {}),
          ...(since !== undefined ? { since } : {}),
          limit: Math.min(positiveInt(url.searchParams.get("limit"), "limit") ?? 100, 1000),
        });
      },
    },
    {
      method: "GET",
      pattern: /^\/ui\/api\/jobs\/([^/]+)$/,
      handler: async (_req, _url, [id]) => {
        const job = await source.getJob(id!);
        if (!job) throw new DashboardRequestError(404, `no job "${id}"`);
        return job;
      },
    },
    {
      method: "POST",
      pattern: /^\/ui\/api\/jobs\/([^/]+)\/replay$/,
      handler: async (req, _url, [id]) => {
        await readJsonBody(req);
        return source.replay(id!);
      },
    },
    { method: "GET", pattern: /^\/ui\/api\/sources$/, handler: () => source.listSources() },
    {
      method: "POST",
      pattern: /^\/ui\/api\/sources\/([^/]+)\/(pause|resume)$/,
      handler: async (req, _url, [name, verb]) => {
        await readJsonBody(req);
        return source.setSourcePaused(name!, verb === "pause");
      },
    },
    { method: "GET", pattern: /^\/ui\/api\/dead-letters$/, handler: () => source.listDeadLetters() },
    {
      method: "POST",
      pattern: /^\/ui\/api\/dead-letters\/redrive$/,
      handler: async (req) => {
        const body = await readJsonBody(req);
        if (body.all === true) return source.redrive({ all: true });
        if (typeof body.id === "string" && body.id !== "") return source.redrive({ id: body.id });
        throw new DashboardRequestError(400, 'redrive needs {"id": "..."} or {"all": true}');
      },
    },
    { method: "GET", pattern: /^\/ui\/api\/handlers$/, handler: () => source.listHandlers() },
    {
      method: "POST",
      pattern: /^\/ui\/api\/trigger$/,
      handler: async (req) => {
        const body = await readJsonBody(req);
        if (typeof body.handler !== "string" || body.handler === "")
          throw new DashboardRequestError(400, "trigger needs a handler name");
        const payload = body.payload ?? {};
        if (typeof payload !== "object" || payload === null || Array.isArray(payload))
          throw new DashboardRequestError(400, "payload must be a JSON object");
        return source.trigger(body.handler, payload as Record<string, unknown>);
      },
    },
    { method: "GET", pattern: /^\/ui\/api\/approvals$/, handler: () => source.listApprovals() },
    {
      method: "POST",
      pattern: /^\/ui\/api\/approvals\/([^/]+)$/,
      handler: async (req, _url, [id]) => {
        const body = await readJsonBody(req);
        const decision = body.decision;
        if (decision !== ApprovalDecision.APPROVE && decision !== ApprovalDecision.DENY)
          throw new DashboardRequestError(400, 'decision must be "approve" or "deny"');
        return source.decideApproval(id!, decision);
      },
    },
    {
      method: "GET",
      pattern: /^\/ui\/api\/traces\/([^/]+)$/,
      handler: (_req, _url, [eventId]) => source.trace(eventId!),
    },
    {
      method: "GET",
      pattern: /^\/ui\/api\/metrics$/,
      handler: async (_req, url) =>
        source.metrics(Math.min(positiveInt(url.searchParams.get("window_ms"), "window_ms") ?? HOUR_MS, 24 * HOUR_MS)),
    },
    { method: "GET", pattern: /^\/ui\/api\/stream$/, handler: (req, _url, _p, res) => stream(req, res) },
  ];

  async function stream(req: IncomingMessage, res: ServerResponse): Promise<typeof STREAMING> {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": "text/event-stream; charset=utf-8",
      connection: "keep-alive",
    });
    res.write("retry: 2000\n\n");
    const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    write("hello", { at: new Date().toISOString() });
    const remove = feed.add({ send: write });
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    keepAlive.unref();
    openStreams.add(res);
    const done = () => {
      clearInterval(keepAlive);
      remove();
      openStreams.delete(res);
    };
    req.on("close", done);
    res.on("close", done);
    return STREAMING;
  }

  function hostsOf(origins: readonly string[]): Set<string> {
    return new Set(origins.map((o) => new URL(o).host));
  }

  async function page(res: ServerResponse, path: string): Promise<boolean> {
    if (path === "/ui" || path === "/ui/") {
      send(res, 200, "text/html; charset=utf-8", (await pageAssets()).html, { "content-security-policy": PAGE_CSP });
      return true;
    }
    if (path === "/ui/app.js") {
      send(res, 200, "text/javascript; charset=utf-8", (await pageAssets()).js);
      return true;
    }
    if (path === "/ui/app.css") {
      send(res, 200, "text/css; charset=utf-8", (await pageAssets()).css);
      return true;
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    const path = url.pathname;
    const isApi = path.startsWith("/ui/api/");
    const refuse = (status: number, title: string, text: string) =>
      isApi
        ? sendJson(res, status, { error: title, message: text })
        : send(res, status, "text/html; charset=utf-8", refusalPage(title, text));

    const origins = options.origins();
    if (!hostsOf(origins).has(req.headers.host ?? ""))
      return refuse(403, "wrong host", `this dashboard answers only as ${origins.join(" or ")}`);

    if (path === "/ui/login" && req.method === "GET") {
      const session = sessions.redeem(url.searchParams.get("token") ?? "");
      if (!session)
        return refuse(401, "login link used or unknown", `each login link works once. ${options.loginHint}`);
      res.writeHead(303, { ...SECURITY_HEADERS, location: "/ui/", "set-cookie": DashboardSessions.cookie(session) });
      res.end();
      return;
    }
    if (!sessions.isSession(cookieValue(req.headers.cookie, SESSION_COOKIE)))
      return refuse(401, "not logged in", `open the dashboard through its login link. ${options.loginHint}`);

    if (req.method === "POST" && !origins.includes(req.headers.origin ?? ""))
      return refuse(403, "foreign origin", "state-changing requests must come from the dashboard's own page");

    try {
      if (!isApi) {
        if (req.method === "GET" && (await page(res, path))) return;
        return refuse(404, "not found", `no page ${path}`);
      }
      const route = routes.find((r) => r.pattern.test(path) && r.method === req.method);
      if (!route) {
        const known = routes.some((r) => r.pattern.test(path));
        return refuse(known ? 405 : 404, known ? "method not allowed" : "not found", `${req.method} ${path}`);
      }
      const params = (route.pattern.exec(path) ?? []).slice(1).map(decodeSegment);
      const result = await route.handler(req, url, params, res);
      if (result !== STREAMING) sendJson(res, 200, result);
    } catch (err) {
      const e =
        err instanceof DashboardRequestError
          ? err
          : new DashboardRequestError(500, err instanceof Error ? err.message : String(err), { cause: err });
      if (e.status === 500) logger.log("error", "dashboard request failed", { path, error: e.message });
      if (!res.headersSent)
        sendJson(res, e.status, { error: e.status === 500 ? "internal_error" : "refused", message: e.message });
      else res.end();
      req.resume();
    }
  }

  return {
    handle,
    loginPath: () => `/ui/login?token=${sessions.newLoginToken()}`,
    close() {
      feed.close();
      for (const res of openStreams) res.end();
      openStreams.clear();
    },
  };
}
