/**
 * Does one configured source take an event? One small predicate per source type; the file_change
 * one also narrows the event's changes to those the source wants.
 */
import picomatch from "picomatch";
import type { SourceConfig } from "../config/schema.ts";
import { EventType, type Event } from "../events/event.ts";
import type { FileChange } from "../events/file-change-event.ts";
import { matchesFilter, matchesRefFilters } from "./branch-filter.ts";

type SourceOf<T extends SourceConfig["type"]> = Extract<SourceConfig, { type: T }>;

/** The default GitHub endpoint path, shared by git_push / git_pr / GitHub custom sources. */
export const DEFAULT_GITHUB_PATH = "/github";

/** The endpoint path an HTTP-borne event arrived on (`metadata.path`), if any. */
export function eventPath(event: Event): string | undefined {
  const p = event.metadata?.path;
  if (typeof p === "string") return p;
  return event.type === EventType.WEBHOOK && event.source.startsWith("/") ? event.source : undefined;
}

/** The GitHub event name of a GitHub-borne or GitHub-shaped event. */
export function githubEventOf(event: Event): string | undefined {
  const m = event.metadata?.github_event;
  if (typeof m === "string") return m;
  const p = event.payload.github_event;
  return typeof p === "string" ? p : undefined;
}

/** The GitHub endpoint path a custom source listens on, or undefined for a CLI-only custom source. */
export function customGithubPath(source: SourceOf<"custom">): string | undefined {
  if (source.path !== undefined) return source.path;
  return source.github_events !== undefined ? DEFAULT_GITHUB_PATH : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function repositoryAllowed(event: Event, repositories: readonly string[] | undefined): boolean {
  if (repositories === undefined) return true;
  const repo = str(event.payload.repo);
  if (repo === undefined) return false;
  return repositories.some((r) => r.toLowerCase() === repo.toLowerCase());
}

function pathAllowed(event: Event, sourcePath: string): boolean {
  const p = eventPath(event);
  return p === undefined || p === sourcePath;
}

export function matchesGitPush(event: Event, source: SourceOf<"git_push">): boolean {
  return (
    pathAllowed(event, source.path) &&
    repositoryAllowed(event, source.repositories) &&
    matchesRefFilters(
      { branch: str(event.payload.branch), tag: str(event.payload.tag) },
      { branches: source.branches, tags: source.tags },
    )
  );
}

export function matchesGitPr(event: Event, source: SourceOf<"git_pr">): boolean {
  const action = str(event.payload.action);
  if (action === undefined || !source.events.includes(action)) return false;
  if (!pathAllowed(event, source.path) || !repositoryAllowed(event, source.repositories)) return false;
  if (source.branches === undefined) return true;
  const base = str(event.payload.base_branch);
  return base !== undefined && matchesFilter(base, source.branches);
}

export function matchesCustom(event: Event, source: SourceOf<"custom">): boolean {
  const githubEvent = githubEventOf(event);
  const fromGithubEndpoint = typeof event.metadata?.github_event === "string";
  if (fromGithubEndpoint) {
    const path = customGithubPath(source);
    if (path === undefined || path !== eventPath(event)) return false;
  }
  if (source.github_events === undefined) return true;
  return (
    githubEvent !== undefined && (source.github_events.includes(githubEvent) || source.github_events.includes("*"))
  );
}

export function matchesWebhook(event: Event, source: SourceOf<"webhook">): boolean {
  return eventPath(event) === source.path;
}

/** The changes of a file_change event: `payload.changes` records, else `payload.files` as modifications. */
export function changesOf(event: Event): FileChange[] {
  const { changes, files } = event.payload;
  if (Array.isArray(changes)) {
    return changes
      .filter((c): c is FileChange => typeof c === "object" && c !== null && typeof (c as FileChange).path === "string")
      .map((c) => ({ ...c, kind: c.kind ?? "modify", hash: c.hash ?? "" }));
  }
  if (Array.isArray(files))
    return files.filter((f): f is string => typeof f === "string").map((path) => ({ path, kind: "modify", hash: "" }));
  return [];
}

const matcherCache = new Map<string, (p: string) => boolean>();
function globMatcher(patterns: string | readonly string[]): (p: string) => boolean {
  const list = typeof patterns === "string" ? [patterns] : [...patterns];
  const key = JSON.stringify(list);
  let m = matcherCache.get(key);
  if (!m) {
    m = list.length === 0 ? () => false : picomatch(list);
    matcherCache.set(key, m);
  }
  return m;
}

/** Paths are matched relative to the source root; an absolute path under the event's root is made relative. */
function relativePath(path: string, root: string | undefined): string {
  let p = path.replaceAll("\\", "/");
  if (root) {
    const r = root.replaceAll("\\", "/").replace(/\/+$/u, "");
    if (r && p.startsWith(`${r}/`)) p = p.slice(r.length + 1);
  }
  return p.replace(/^\.\//u, "");
}

/** The changes this file_change source wants (pattern, ignore, events kinds); empty = no match. */
export function matchingChanges(event: Event, source: SourceOf<"file_change">): FileChange[] {
  const root = str(event.payload.root);
  const include = globMatcher(source.pattern);
  const exclude = globMatcher(source.ignore);
  return changesOf(event).filter((c) => {
    if (!(source.events as readonly string[]).includes(c.kind)) return false;
    const rel = relativePath(c.path, root);
    return include(rel) && !exclude(rel);
  });
}
