/**
 * parseConfig: raw config (already read from YAML/JSON/front matter) -> validated OrchestratorConfig.
 * Order: `${VAR}` interpolation (secret references kept), zod validation, then the checks that span
 * keys. Every problem of every stage is collected; a bad config throws one ConfigError listing all.
 */
import { ConfigError, type ConfigIssue } from "./errors.ts";
import { formatZodIssues } from "./format-issues.ts";
import { interpolateEnv, type Env } from "./interpolate.ts";
import type { z } from "zod";
import { isPlainObject, valueAt, type PathSegment } from "./key-path.ts";
import { OrchestratorConfig } from "./schema.ts";
import { semanticChecks } from "./semantic-checks.ts";
import { checkStepList, isUnderPath, type StepListCheck } from "./step-checks.ts";
import { validateCron } from "../cron/validate-cron.ts";

export { ConfigError } from "./errors.ts";
export type { ConfigIssue } from "./errors.ts";

export interface ParseConfigOptions {
  /** Names the config in messages: a file path, "bundle", "--payload" ... */
  readonly where: string;
  /** Variables for `${VAR}` interpolation (pass process.env at the edge; never read here). */
  readonly env: Env;
}

export function parseConfig(input: unknown, opts: ParseConfigOptions): OrchestratorConfig {
  if (input === null || input === undefined) {
    throw new ConfigError(opts.where, [
      { path: "", message: "the configuration is empty: expected an object with `sources` and `handlers`" },
    ]);
  }
  if (!isPlainObject(input)) {
    throw new ConfigError(opts.where, [
      {
        path: "",
        message: `expected an object with \`sources\` and \`handlers\`; found ${Array.isArray(input) ? "a list" : typeof input}`,
      },
    ]);
  }
  const { value, issues: interpolationIssues, wholeRefs } = interpolateEnv(input, opts.env);
  let result = OrchestratorConfig.safeParse(value);
  if (!result.success && coerceScalars(value, result.error.issues, wholeRefs))
    result = OrchestratorConfig.safeParse(value);
  const steps = handlerStepChecks(value);
  const schemaIssues = result.success ? [] : formatZodIssues(result.error.issues, OrchestratorConfig, value);
  const issues: ConfigIssue[] = [
    ...interpolationIssues,
    ...schemaIssues.filter((i) => !steps.refusedSteps.some((p) => isUnderPath(i.path, p))),
    ...steps.issues,
    ...semanticChecks(value, { validateCron }),
  ];
  if (issues.length > 0 || !result.success) throw new ConfigError(opts.where, sortIssues(dedupe(issues)));
  return result.data;
}

/**
 * `webhook_port: ${PORT}` gives the text "8080": where the schema wants a number or a boolean and
 * the value was one whole `${...}`, read the text as that type. Returns true when it changed any.
 */
function coerceScalars(
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
  wholeRefs: readonly PathSegment[][],
): boolean {
  const refs = new Set(wholeRefs.map((p) => JSON.stringify(p)));
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== "invalid_type" || !refs.has(JSON.stringify(issue.path))) continue;
    const path = issue.path as PathSegment[];
    const parent = valueAt(value, path.slice(0, -1)) as Record<PathSegment, unknown> | undefined;
    const key = path[path.length - 1]!;
    const text = parent?.[key];
    if (typeof text !== "string") continue;
    if (issue.expected === "number" && /^-?\d+(\.\d+)?$/.test(text.trim())) parent![key] = Number(text);
    else if (issue.expected === "boolean" && /^(true|false)$/i.test(text.trim()))
      parent![key] = text.trim().toLowerCase() === "true";
    else continue;
    changed = true;
  }
  return changed;
}

function dedupe(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const collator = new Intl.Collator("en", { numeric: true });

/** In key-path order (`sources[2]` before `sources[10]`), whole-file problems first; stable. */
function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => collator.compare(a.issue.path, b.issue.path) || a.i - b.i)
    .map((x) => x.issue);
}

/** The step-list checks of every handler's `steps`. */
function handlerStepChecks(raw: unknown): StepListCheck {
  const out: StepListCheck = { issues: [], refusedSteps: [] };
  const handlers = isPlainObject(raw) && isPlainObject(raw.handlers) ? raw.handlers : {};
  for (const [name, handler] of Object.entries(handlers)) {
    if (!isPlainObject(handler)) continue;
    const check = checkStepList(handler.steps, ["handlers", name, "steps"]);
    out.issues.push(...check.issues);
    out.refusedSteps.push(...check.refusedSteps);
  }
  return out;
}
