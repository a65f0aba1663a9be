/**
 * The router: an event -> one Job per matched handler (id = `event.id#handler`), deduplicated per
 * handler. Matching is by event type and the source's filters (see source-match.ts); a manual
 * trigger may name the handler directly (`opts.handler`).
 */
import type { OrchestratorConfig, SourceConfig } from "../config/schema.ts";
import { sourceName } from "../config/source-name.ts";
import { EventType, jobIdOf, type Event, type Job } from "../events/event.ts";
import { fileChangePayload, type FileChange } from "../events/file-change-event.ts";
import type { Logger } from "../logging/logger.ts";
import { RouterError } from "./errors.ts";
import { renderKeyTemplate } from "./key-template.ts";
import { matchesCustom, matchesGitPr, matchesGitPush, matchesWebhook, matchingChanges } from "./source-match.ts";

export interface RouteOptions {
  /** Run this handler, whatever the sources say (manual trigger). Unknown -> RouterError. */
  readonly handler?: string;
  /** Only sources this accepts take part (ingest: the sources whose secret verified the delivery). */
  readonly acceptSource?: (source: SourceConfig, index: number) => boolean;
  /** Where a concurrency key that cannot be rendered is reported. */
  readonly logger?: Logger;
}

export function routeEvent(event: Event, config: OrchestratorConfig, now: Date, opts: RouteOptions = {}): Job[] {
  if (opts.handler !== undefined) {
    if (!(opts.handler in config.handlers)) {
      const known = Object.keys(config.handlers);
      throw new RouterError(
        `unknown handler "${opts.handler}"; handlers: ${known.length ? known.join(", ") : "(none)"}`,
      );
    }
    return [makeJob(event, opts.handler, config, now, opts.logger)];
  }

  const candidates = config.sources
    .map((source, index) => ({ source, index, name: sourceName(source, index) }))
    .filter(({ source, index }) => source.enabled && (opts.acceptSource?.(source, index) ?? true));

  const handlers: string[] = [];
  const fileChanges = new Map<string, Map<string, FileChange>>();
  const add = (handler: string) => {
    if (!handlers.includes(handler)) handlers.push(handler);
  };

  switch (event.type) {
    case EventType.GIT_PUSH:
      for (const { source } of candidates)
        if (source.type === "git_push" && matchesGitPush(event, source)) add(source.handler);
      break;
    case EventType.GIT_PR:
      for (const { source } of candidates)
        if (source.type === "git_pr" && matchesGitPr(event, source)) add(source.handler);
      break;
    case EventType.CUSTOM:
      for (const { source } of candidates)
        if (source.type === "custom" && matchesCustom(event, source)) add(source.handler);
      break;
    case EventType.WEBHOOK:
      for (const { source } of candidates)
        if (source.type === "webhook" && matchesWebhook(event, source)) add(source.handler);
      break;
    case EventType.SCHEDULE: {
      const schedule = typeof event.metadata?.schedule === "string" ? event.metadata.schedule : event.source;
      for (const { source, name } of candidates)
        if (source.type === "schedule" && name === schedule) add(source.handler);
      break;
    }
    case EventType.MANUAL: {
      const manual = candidates.filter((c) => c.source.type === "manual");
      const named = manual.filter((c) => c.name === event.source);
      for (const { source } of named.length ? named : manual) add(source.handler);
      break;
    }
    case EventType.FILE_CHANGE: {
      const watchers = candidates.filter((c) => c.source.type === "file_change");
      const named = watchers.filter((c) => c.name === event.source);
      for (const { source } of named.length ? named : watchers) {
        if (source.type !== "file_change") continue;
        const kept = matchingChanges(event, source);
        if (kept.length === 0) continue;
        const acc = fileChanges.get(source.handler) ?? new Map<string, FileChange>();
        for (const c of kept) acc.set(c.path, c);
        fileChanges.set(source.handler, acc);
        add(source.handler);
      }
      break;
    }
  }

  return handlers.map((handler) => {
    const changes = fileChanges.get(handler);
    const routed = changes ? narrowFileChange(event, [...changes.values()]) : event;
    return makeJob(routed, handler, config, now, opts.logger);
  });
}

/** The event with only the changes a handler's sources want (same id: it is the same event). */
function narrowFileChange(event: Event, kept: FileChange[]): Event {
  const all = Array.isArray(event.payload.changes)
    ? event.payload.changes.length
    : Array.isArray(event.payload.files)
      ? event.payload.files.length
      : 0;
  if (kept.length === all) return event;
  const root = typeof event.payload.root === "string" ? event.payload.root : "";
  const sorted = kept.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const narrowed = Array.isArray(event.payload.changes)
    ? fileChangePayload(event.source, root, sorted)
    : { files: sorted.map((c) => c.path), changed_files: sorted.map((c) => c.path) };
  return { ...event, payload: { ...event.payload, ...narrowed } };
}

function makeJob(event: Event, handler: string, config: OrchestratorConfig, now: Date, logger?: Logger): Job {
  const job: Job = { id: jobIdOf(event.id, handler), handler, event, attempt: 1, enqueued_at: now.toISOString() };
  const template = config.handlers[handler]?.concurrency?.key;
  if (template === undefined) return job;
  try {
    return { ...job, concurrency_key: renderKeyTemplate(template, keyContext(event)) };
  } catch (err) {
    logger?.log("warn", "concurrency key not rendered: job runs without a key", {
      event_id: event.id,
      handler,
      job_id: job.id,
      template,
      error: err instanceof Error ? err.message : String(err),
    });
    return job;
  }
}

/** What a key template reads: `{payload.x}`, `{event.id}`, and the payload's top-level shortcuts (`{repo}`). */
function keyContext(event: Event): Record<string, unknown> {
  return { ...event.payload, payload: event.payload, event, id: event.id, type: event.type, source: event.source };
}
