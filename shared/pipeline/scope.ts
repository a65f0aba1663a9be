/**
 * The template scope of one run. Lookup order: the reserved roots (`event`, `payload`, `config`,
 * `steps`, `context`, `last_run`, and Amplifier's `recipe`, `session`, `step`) always mean the same
 * thing; other names are the latest of: event shortcuts (`repo`, `files`, `branch`,
 * `changed_files`, `files_content`), then recipe context values, then step outputs and loop
 * variables (well-known names, then `as:`/`output:`/`collect:` names, later steps replacing
 * earlier ones). `_skipped_steps` lists the ids of skipped steps once one was skipped.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { Event } from "../events/event.ts";
import type { Scope } from "./template.ts";

export interface StepRecord {
  readonly output?: unknown;
  readonly error?: string;
  readonly skipped?: boolean;
}

/** Amplifier's `{{recipe.*}}`: the running recipe's metadata. */
export interface RecipeInfo {
  readonly name?: string;
  readonly version?: string;
  readonly description?: string;
  /** The recipe's canonical id (its path relative to the config folder). */
  readonly path: string;
}

export interface Frame {
  /** Prefix of `where` in errors: "" for handler steps, `recipe <id> ` inside recipes. */
  readonly prefix: string;
  readonly base: Readonly<Record<string, unknown>>;
  readonly shortcuts: Readonly<Record<string, unknown>>;
  readonly context: Readonly<Record<string, unknown>>;
  readonly vars: Record<string, unknown>;
  /** Outputs named by `output`/`as`/`collect` (a `type: recipe` step's output is this map). */
  readonly named: Record<string, unknown>;
  readonly steps: StepRecord[];
  last: { readonly has: boolean; readonly output?: unknown };
  /** Recipe ids being run, outermost first (cycle detection). */
  readonly recipeStack: readonly string[];
  /** Recipes may nest this deep from here (Amplifier's `recursion.max_depth`). */
  readonly maxDepth: number;
  /** Set inside a recipe: `{{recipe.name}}` and friends; recipe steps parse clean-JSON answers. */
  readonly recipe?: RecipeInfo;
  /** Amplifier's `{{step}}`: the step running now. */
  step?: { readonly id?: string; readonly index: number; readonly stage?: string };
  /** Amplifier's `{{_skipped_steps}}`: ids of the steps skipped so far, in order. */
  readonly skipped: string[];
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
}

/**
 * `{changed_files}`: for file_change events, the changed paths made relative to the filesystem
 * tool's root (the event's paths are relative to the watched folder), so
 * `tool-filesystem read path: "{changed_files}"` reads them; for other events, `payload.files`.
 */
export function changedFiles(event: Event, baseDir: string, fsRoot: string): string[] | undefined {
  const payload = event.payload;
  const paths = strings(payload.changed_files) ?? strings(payload.files);
  if (!paths) return undefined;
  if (event.type !== "file_change" || typeof payload.root !== "string") return paths;
  const root = resolve(baseDir, payload.root);
  return paths.map((p) => {
    const rel = relative(fsRoot, resolve(root, p));
    return rel.startsWith("..") || isAbsolute(rel) ? resolve(root, p) : rel.split(sep).join("/");
  });
}

export function eventShortcuts(event: Event, baseDir: string, fsRoot: string): Record<string, unknown> {
  const p = event.payload;
  const repository = p.repository as { full_name?: unknown } | undefined;
  const out: Record<string, unknown> = {};
  const repo = p.repo ?? (typeof repository === "object" && repository !== null ? repository.full_name : undefined);
  if (repo !== undefined) out.repo = repo;
  if (p.branch !== undefined) out.branch = p.branch;
  const changed = changedFiles(event, baseDir, fsRoot);
  if (p.files !== undefined) out.files = event.type === "file_change" && changed ? changed : p.files;
  if (changed) out.changed_files = changed;
  if (typeof p.files_content === "string") out.files_content = p.files_content;
  return out;
}

/** Amplifier's `{{session}}`: here, the run of one job. */
export interface SessionInfo {
  /** The job id. */
  readonly id: string;
  /** ISO time the run started. */
  readonly started: string;
  /** The config folder (the project). */
  readonly project: string;
}

export function baseScope(
  event: Event,
  handlerConfig: Readonly<Record<string, unknown>>,
  lastRun: number | undefined,
  session: SessionInfo,
): Record<string, unknown> {
  return {
    session,
    event: {
      id: event.id,
      type: event.type,
      source: event.source,
      timestamp: event.timestamp,
      payload: event.payload,
      ...(event.metadata ? { metadata: event.metadata } : {}),
    },
    payload: event.payload,
    config: handlerConfig,
    last_run: lastRun === undefined ? "never" : new Date(lastRun).toISOString(),
  };
}

export function scopeOf(frame: Frame): Scope {
  return {
    ...frame.shortcuts,
    ...frame.context,
    ...frame.vars,
    ...frame.base,
    context: frame.context,
    steps: frame.steps.map((s) =>
      s.output === undefined ? (s.error !== undefined ? { error: s.error } : {}) : { output: s.output },
    ),
    ...(frame.step ? { step: frame.step } : {}),
    ...(frame.recipe ? { recipe: frame.recipe } : {}),
    ...(frame.skipped.length > 0 ? { _skipped_steps: [...frame.skipped] } : {}),
  };
}
