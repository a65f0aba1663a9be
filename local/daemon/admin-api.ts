/**
 * The daemon's local admin API: loopback only, on its own ephemeral port, guarded by a random
 * bearer token. Port and token are written to `<stateDir>/admin.json` (mode 0600), which is how
 * the CLI verbs find and authenticate to the running daemon. Routes map onto `DaemonControl`.
 */
import { randomBytes, timingSafeEqual, createHash } from "node:crypto";
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Logger } from "../../shared/logging/logger.ts";

export const ADMIN_FILE = "admin.json";

export interface AdminInfo {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly pid: number;
  readonly started_at: string;
}

export interface ReplayQuery {
  readonly handler?: string;
  readonly since?: string;
  readonly status?: string;
}
export interface HistoryParams {
  readonly limit?: number;
  readonly handler?: string;
  readonly status?: string;
}

/** What the admin API can ask of the daemon. */
export interface DaemonControl {
  status(): Promise<unknown>;
  trigger(input: { handler: string; payload?: Record<string, unknown> }): Promise<unknown>;
  history(q: HistoryParams): Promise<unknown>;
  stop(): Promise<unknown>;
  replay(q: ReplayQuery): Promise<unknown>;
  state(): Promise<unknown>;
  dlqList(): Promise<unknown>;
  dlqRedrive(sel: { id?: string; all?: boolean }): Promise<unknown>;
  /** A local `git push` reported by the installed git hook. */
  gitPush(payload: Record<string, unknown>): Promise<unknown>;
  /** Ends a storm-breaker pause (`evd daemon resume SOURCE`). */
  resume(input: { source: string }): Promise<unknown>;
  /** An event's spans and their tree (`evd daemon trace EVENT_ID`; the dashboard's trace view). */
  trace(input: { eventId: string }): Promise<unknown>;
  /** Jobs waiting at an approval gate. */
  approvals(): Promise<unknown>;
  /** Approve or deny the gate a job waits at. */
  decide(input: { id: string; approve: boolean; message?: string }): Promise<unknown>;
}

/** A refusal the admin API answers with its status and message. */
export class AdminRequestError extends Error {
  override readonly name = "AdminRequestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MAX_ADMIN_BODY = 1024 * 1024;

function tokenMatches(expected: string, header: string | undefined): boolean {
  if (!header?.startsWith("Bearer ")) return false;
  // Hash both sides so the comparison is constant-time whatever the lengths.
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(header.slice(7)).digest();
  return timingSafeEqual(a, b);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ADMIN_BODY)
      throw new AdminRequestError(413, "body_too_large", `admin request body exceeds ${MAX_ADMIN_BODY} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    throw new AdminRequestError(400, "invalid_json", `admin request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new AdminRequestError(400, "invalid_body", "admin request body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function optString(body: Record<string, unknown> | URLSearchParams, key: string): string | undefined {
  const v = body instanceof URLSearchParams ? (body.get(key) ?? undefined) : body[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new AdminRequestError(400, "invalid_field", `"${key}" must be a string`);
  return v;
}

type Route = (req: IncomingMessage, url: URL) => Promise<unknown>;

/** The dashboard, served under `/ui` on this listener with its own login (local/dashboard). */
export interface AdminDashboard {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** `/ui/login?token=...`: logs one browser in, once. */
  loginPath(): string;
  close(): void;
}

export interface AdminApi {
  readonly info: AdminInfo;
  /** The origins this listener answers as (`http://127.0.0.1:PORT`, `http://localhost:PORT`). */
  readonly origins: readonly string[];
  /** A fresh one-time dashboard login URL, when a dashboard is mounted. */
  dashboardLoginUrl(): string | undefined;
  close(): Promise<void>;
}

/** Starts the admin API on 127.0.0.1 (ephemeral port) and writes `<stateDir>/admin.json`. */
export async function startAdminApi(opts: {
  stateDir: string;
  control: DaemonControl;
  logger: Logger;
  dashboard?: AdminDashboard;
}): Promise<AdminApi> {
  const { control, logger, dashboard } = opts;
  const token = randomBytes(32).toString("hex");
  let origin = "";
  const routes: Record<string, Route> = {
    "GET /status": () => control.status(),
    "GET /history": async (_req, url) => {
      const limitText = url.searchParams.get("limit");
      const limit = limitText === null ? undefined : Number(limitText);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw new AdminRequestError(400, "invalid_limit", `limit must be a positive integer, got "${limitText}"`);
      return control.history({
        limit,
        handler: optString(url.searchParams, "handler"),
        status: optString(url.searchParams, "status"),
      });
    },
    "GET /state": () => control.state(),
    "GET /dlq": () => control.dlqList(),
    "POST /trigger": async (req) => {
      const body = await readJson(req);
      const handler = optString(body, "handler");
      if (!handler) throw new AdminRequestError(400, "missing_handler", "trigger needs a handler name");
      const payload = body.payload;
      if (payload !== undefined && (typeof payload !== "object" || payload === null || Array.isArray(payload)))
        throw new AdminRequestError(400, "invalid_payload", "payload must be a JSON object");
      return control.trigger({ handler, payload: payload as Record<string, unknown> | undefined });
    },
    "POST /stop": () => control.stop(),
    "POST /replay": async (req) => {
      const body = await readJson(req);
      return control.replay({
        handler: optString(body, "handler"),
        since: optString(body, "since"),
        status: optString(body, "status"),
      });
    },
    "POST /dlq/redrive": async (req) => {
      const body = await readJson(req);
      const id = optString(body, "id");
      const all = body.all === true;
      if (!id && !all) throw new AdminRequestError(400, "missing_selection", "redrive needs an id or all: true");
      return control.dlqRedrive({ id, all });
    },
    "POST /git-push": async (req) => control.gitPush(await readJson(req)),
    "POST /ui-login": async () => {
      if (!dashboard) throw new AdminRequestError(404, "no_dashboard", "this daemon serves no dashboard");
      return { url: `${origin}${dashboard.loginPath()}` };
    },
    "POST /resume": async (req) => {
      const source = optString(await readJson(req), "source");
      if (!source) throw new AdminRequestError(400, "missing_source", "resume needs a source name");
      return control.resume({ source });
    },
    "GET /trace": async (_req, url) => {
      const eventId = optString(url.searchParams, "event_id");
      if (!eventId) throw new AdminRequestError(400, "missing_event_id", "trace needs ?event_id=");
      return control.trace({ eventId });
    },
    "GET /approvals": () => control.approvals(),
    "POST /approvals/decide": async (req) => {
      const body = await readJson(req);
      const id = optString(body, "id");
      if (!id) throw new AdminRequestError(400, "missing_id", "a decision needs the job id");
      if (typeof body.approve !== "boolean")
        throw new AdminRequestError(400, "missing_decision", "a decision needs approve: true or false");
      const message = optString(body, "message");
      return control.decide({ id, approve: body.approve, ...(message !== undefined ? { message } : {}) });
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    // The dashboard has its own login (a one-time link, then a cookie): not the CLI's bearer token.
    if (dashboard && (path === "/ui" || path.startsWith("/ui/"))) return dashboard.handle(req, res);
    if (!tokenMatches(token, req.headers.authorization))
      throw new AdminRequestError(401, "unauthorized", "missing or wrong admin token");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = routes[`${req.method ?? "GET"} ${url.pathname}`];
    if (!route) {
      const known = Object.keys(routes).some((r) => r.endsWith(` ${url.pathname}`));
      throw known
        ? new AdminRequestError(405, "method_not_allowed", `wrong method for ${url.pathname}`)
        : new AdminRequestError(404, "not_found", `no admin route ${url.pathname}`);
    }
    const result = await route(req, url);
    const text = JSON.stringify(result ?? {});
    res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e =
        err instanceof AdminRequestError
          ? err
          : new AdminRequestError(500, "internal_error", err instanceof Error ? err.message : String(err));
      if (e.status === 500) logger.log("error", "admin request failed", { path: req.url, error: e.message });
      const text = JSON.stringify({ error: e.code, message: e.message });
      if (!res.headersSent)
        res.writeHead(e.status, {
          "content-type": "application/json; charset=utf-8",
          "content-length": String(Buffer.byteLength(text)),
        });
      res.end(text);
      req.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  const info: AdminInfo = {
    host: "127.0.0.1",
    port,
    token,
    pid: process.pid,
    started_at: new Date().toISOString(),
  };
  mkdirSync(opts.stateDir, { recursive: true });
  const file = join(opts.stateDir, ADMIN_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);

  return {
    info,
    origins: [origin, `http://localhost:${port}`],
    dashboardLoginUrl: () => (dashboard ? `${origin}${dashboard.loginPath()}` : undefined),
    close() {
      dashboard?.close();
      rmSync(file, { force: true });
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
