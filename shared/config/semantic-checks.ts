/**
 * Checks that span several keys, run on the raw (interpolated) config whatever else is wrong with
 * it, so one `evd validate` lists every problem: a source's handler exists, cron expressions and
 * timezones are valid, source names are unique, HTTP paths do not collide, webhooks are signed or
 * say `signature: none`, provider references resolve. Tolerant of wrong shapes (zod reports those).
 */
import { closest } from "./did-you-mean.ts";
import type { ConfigIssue } from "./errors.ts";
import { formatKeyPath, isPlainObject, type PathSegment } from "./key-path.ts";
import { ProviderKind } from "./schema.ts";
import { sourceName } from "./source-name.ts";

export interface SemanticCheckOptions {
  /** Throws an Error whose message says what is wrong with a 5-field cron expression. */
  readonly validateCron?: (expr: string) => void;
}

const GITHUB_DEFAULT_PATH = "/github";
const GITHUB_DEFAULT_SECRET = "${GITHUB_WEBHOOK_SECRET}";

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function normalizePath(p: string): string {
  const trimmed = p.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function semanticChecks(raw: unknown, opts: SemanticCheckOptions = {}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: PathSegment[], message: string) => issues.push({ path: formatKeyPath(path), message });
  if (!isPlainObject(raw)) return issues;

  const handlers = isPlainObject(raw.handlers) ? raw.handlers : undefined;
  const handlerNames = handlers ? Object.keys(handlers) : [];
  const sources = Array.isArray(raw.sources) ? raw.sources : [];

  const names = new Map<string, number>();
  const endpoints = new Map<string, { index: number; github: boolean; secret: string | undefined }[]>();

  sources.forEach((s: unknown, i: number) => {
    if (!isPlainObject(s)) return;
    const type = str(s.type);
    const handler = str(s.handler);
    if (handler !== undefined && raw.handlers !== undefined && !handlerNames.includes(handler)) {
      const near = closest(handler, handlerNames);
      add(
        ["sources", i, "handler"],
        `no handler named "${handler}"; handlers: ${handlerNames.join(", ") || "(none)"}${near ? ` (did you mean "${near}"?)` : ""}`,
      );
    } else if (handler !== undefined && raw.handlers === undefined) {
      add(["sources", i, "handler"], `no handler named "${handler}": the config has no \`handlers\``);
    }

    if (type !== undefined && handler !== undefined) {
      const n = sourceName({ name: str(s.name), handler, type: type as never }, i);
      const first = names.get(n);
      if (first !== undefined)
        add(
          ["sources", i, "name"],
          `duplicate source name "${n}" (also sources[${first}]); give each source a distinct \`name\``,
        );
      else names.set(n, i);
    }

    if (type === "schedule") {
      const cron = str(s.cron);
      if (cron !== undefined && opts.validateCron) {
        try {
          opts.validateCron(cron);
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          add(
            ["sources", i, "cron"],
            why.startsWith("invalid cron") ? why : `invalid cron ${JSON.stringify(cron)}: ${why}`,
          );
        }
      }
      const tz = s.timezone;
      if (typeof tz === "string" && tz !== "" && !isValidTimezone(tz)) {
        add(
          ["sources", i, "timezone"],
          `unknown timezone ${JSON.stringify(tz)}: expected an IANA name such as "UTC", "Europe/Paris" or "America/New_York"`,
        );
      }
    }

    if (type === "webhook") {
      const signature = str(s.signature);
      if (s.secret === undefined && signature !== "none") {
        add(
          ["sources", i, "secret"],
          signature === undefined
            ? "a webhook needs a `secret` (write `${NAME}`), or `signature: none` to accept unsigned requests"
            : `signature "${signature}" needs a \`secret\` (write \`\${NAME}\`)`,
        );
      }
    }

    const github = type === "git_push" || type === "git_pr" || (type === "custom" && s.github_events !== undefined);
    const path = str(s.path) ?? (github ? GITHUB_DEFAULT_PATH : undefined);
    if (path !== undefined && (github || type === "webhook" || type === "custom")) {
      const key = normalizePath(path);
      const list = endpoints.get(key) ?? [];
      for (const other of list) {
        if (!github || !other.github) {
          add(
            ["sources", i, "path"],
            `path "${path}" is already used by sources[${other.index}]; ${github ? "a GitHub path cannot be shared with a webhook" : "each webhook needs its own path"}`,
          );
          break;
        }
        const secret = str(s.secret) ?? GITHUB_DEFAULT_SECRET;
        if (other.secret !== secret) {
          add(
            ["sources", i, "secret"],
            `GitHub sources on the same path "${key}" must use the same secret: this one differs from sources[${other.index}]`,
          );
          break;
        }
      }
      list.push({ index: i, github, secret: github ? (str(s.secret) ?? GITHUB_DEFAULT_SECRET) : str(s.secret) });
      endpoints.set(key, list);
    }
  });

  checkProviders(raw, handlers, add);
  return issues;
}

function checkProviders(
  raw: Record<string, unknown>,
  handlers: Record<string, unknown> | undefined,
  add: (path: PathSegment[], message: string) => void,
): void {
  const known = new Set<string>([
    ...Object.values(ProviderKind),
    ...(isPlainObject(raw.providers) ? Object.keys(raw.providers) : []),
  ]);
  const check = (path: PathSegment[], v: unknown) => {
    if (typeof v === "string" && v !== "" && !known.has(v)) {
      const near = closest(v, known);
      add(
        path,
        `no provider named "${v}"; configure it under \`providers\` or use one of: ${[...known].join(", ")}${near ? ` (did you mean "${near}"?)` : ""}`,
      );
    }
  };
  check(["default_provider"], raw.default_provider);
  if (isPlainObject(raw.agents))
    for (const [name, agent] of Object.entries(raw.agents))
      if (isPlainObject(agent)) check(["agents", name, "provider"], agent.provider);
  for (const [name, h] of Object.entries(handlers ?? {})) {
    if (!isPlainObject(h)) continue;
    check(["handlers", name, "provider"], h.provider);
    if (Array.isArray(h.steps))
      h.steps.forEach(
        (step: unknown, i: number) =>
          isPlainObject(step) && "prompt" in step && check(["handlers", name, "steps", i, "provider"], step.provider),
      );
  }
}
