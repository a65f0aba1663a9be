/**
 * How the CLI talks to a running daemon: read `<stateDir>/admin.json`, check the process is
 * alive, call the admin API with the bearer token. No daemon: `DaemonNotRunningError`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_FILE, type AdminInfo } from "./admin-api.ts";
import { isProcessAlive } from "./pid-file.ts";

export class DaemonNotRunningError extends Error {
  override readonly name = "DaemonNotRunningError";
  constructor(
    readonly stateDir: string,
    options?: { cause?: unknown },
  ) {
    super(`no daemon is running for state directory ${stateDir} (start one with \`evd daemon\`)`, options);
  }
}

export class AdminCallError extends Error {
  override readonly name = "AdminCallError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function readAdminInfo(stateDir: string): AdminInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(stateDir, ADMIN_FILE), "utf8")) as AdminInfo;
    if (typeof info.port !== "number" || typeof info.token !== "string") return undefined;
    if (!isProcessAlive(info.pid)) return undefined;
    return info;
  } catch {
    return undefined;
  }
}

export interface AdminClient {
  readonly info: AdminInfo;
  call<T = unknown>(method: "GET" | "POST", path: string, body?: unknown): Promise<T>;
}

/** A client for the daemon of `stateDir`; throws DaemonNotRunningError when there is none. */
export function adminClient(stateDir: string): AdminClient {
  const info = readAdminInfo(stateDir);
  if (!info) throw new DaemonNotRunningError(stateDir);
  return {
    info,
    async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`http://${info.host}:${info.port}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${info.token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new DaemonNotRunningError(stateDir, { cause: err });
      }
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { error: "invalid_response", message: text };
      }
      if (!res.ok) {
        const e = parsed as { error?: string; message?: string };
        throw new AdminCallError(res.status, e.error ?? "error", e.message ?? `admin API answered ${res.status}`);
      }
      return parsed as T;
    },
  };
}
