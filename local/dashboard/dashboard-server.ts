/**
 * The dashboard on its own loopback listener, for `evd cloud ui` (the daemon mounts it on its
 * admin listener instead): 127.0.0.1 only, `/` redirects to `/ui/`, everything under `/ui` is the
 * dashboard with its one-time login link and session cookie.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../../shared/logging/logger.ts";
import { createDashboardHttp } from "./dashboard-http.ts";
import { DashboardSessions } from "./dashboard-sessions.ts";
import type { DashboardSource } from "./dashboard-source.ts";

export interface DashboardServerOptions {
  readonly source: DashboardSource;
  readonly logger: Logger;
  /** 0: a free port. @default 0 */
  readonly port?: number;
  readonly pollMs: number;
  readonly overviewEvery?: number;
  readonly loginHint: string;
}

export interface DashboardServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** A fresh one-time login URL. */
  loginUrl(): string;
  close(): Promise<void>;
}

export async function serveDashboard(options: DashboardServerOptions): Promise<DashboardServer> {
  let origins: readonly string[] = [];
  const http = createDashboardHttp({
    source: options.source,
    sessions: new DashboardSessions(),
    origins: () => origins,
    logger: options.logger,
    pollMs: options.pollMs,
    ...(options.overviewEvery ? { overviewEvery: options.overviewEvery } : {}),
    loginHint: options.loginHint,
  });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path === "/ui" || path.startsWith("/ui/")) {
      void http.handle(req, res);
      return;
    }
    if (path === "/") res.writeHead(303, { location: "/ui/" }).end();
    else
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: the dashboard is at /ui/\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  origins = [origin, `http://localhost:${port}`];
  return {
    origin,
    loginUrl: () => `${origin}${http.loginPath()}`,
    close() {
      http.close();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
