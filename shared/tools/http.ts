/**
 * tool-http `request`: `url`, `method` (default GET), `headers`, `body` (text, or JSON for
 * objects). Only hosts listed in `tools.tool-http.allow_hosts` are reached (exact host, `host:port`,
 * or `*.example.com` for subdomains); an empty list refuses everything. Redirects are not followed.
 * Output: `{ status, headers, body }` with `body` parsed when the response is JSON. A status of
 * 400 or more fails the step (408, 429 and 5xx retryable, other 4xx permanent); 3xx is returned.
 * Every request carries `evd-causation: <depth>; <event id>` (shared/guardrails/causation.ts): an
 * orchestrator receiving it knows the event it makes was caused by this job, and cuts loops.
 */
import { CAUSATION_HEADER, causedBy, formatCausationHeader } from "../guardrails/causation.ts";
import { optionalString, requiredString } from "./args.ts";
import { ToolError, badArgument } from "./errors.ts";
import { expectOk, fetchLimited } from "./fetch-limited.ts";
import type { Tool } from "./tool.ts";

const NAME = "tool-http";
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

export interface HttpToolOptions {
  readonly allowHosts: readonly string[];
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly maxBytes?: number;
}

export function hostAllowed(url: URL, allowHosts: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const withPort = url.port ? `${host}:${url.port}` : host;
  return allowHosts.some((raw) => {
    const allowed = raw.toLowerCase();
    if (allowed.startsWith("*.")) return host.endsWith(allowed.slice(1));
    return allowed === withPort || (allowed === host && !allowed.includes(":"));
  });
}

export function httpTool(options: HttpToolOptions): Tool {
  return {
    name: NAME,
    async run(action, args, ctx) {
      if (action !== "request") throw badArgument(NAME, action, "unknown action; expected request");
      const raw = requiredString(NAME, action, args, "url");
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw badArgument(NAME, action, `\`url\` "${raw}" is not a URL`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:")
        throw badArgument(NAME, action, `\`url\` must be http or https, got ${url.protocol}`);
      if (!hostAllowed(url, options.allowHosts)) {
        throw new ToolError(
          `${NAME}: host "${url.host}" is not in tools.tool-http.allow_hosts (${options.allowHosts.join(", ") || "empty"})`,
          { permanent: true },
        );
      }
      const method = (optionalString(NAME, action, args, "method") ?? "GET").toUpperCase();
      if (!METHODS.includes(method)) throw badArgument(NAME, action, `\`method\` must be one of ${METHODS.join(", ")}`);
      const headers: Record<string, string> = {};
      if (args.headers !== undefined) {
        if (typeof args.headers !== "object" || args.headers === null || Array.isArray(args.headers))
          throw badArgument(NAME, action, "`headers` must be a map");
        for (const [k, v] of Object.entries(args.headers)) headers[k.toLowerCase()] = String(v);
      }
      if (ctx.event) headers[CAUSATION_HEADER] = formatCausationHeader(causedBy(ctx.event));
      let body: string | undefined;
      if (args.body !== undefined && args.body !== null) {
        if (typeof args.body === "string") body = args.body;
        else {
          body = JSON.stringify(args.body);
          headers["content-type"] ??= "application/json";
        }
      }
      const res = await fetchLimited(
        options.fetch,
        NAME,
        url.href,
        { method, headers, body },
        { signal: ctx.signal, timeoutMs: options.timeoutMs, maxBytes: options.maxBytes },
      );
      if (res.status >= 400) expectOk(NAME, `${method} ${url.origin}${url.pathname}`, res);
      let parsed: unknown = res.body;
      if ((res.headers["content-type"] ?? "").includes("json")) {
        try {
          parsed = JSON.parse(res.body);
        } catch {
          parsed = res.body;
        }
      }
      return {
        output: { status: res.status, headers: res.headers, body: parsed },
        target: `${method} ${url.host}${url.pathname}`,
      };
    },
  };
}
