/**
 * A debounced change set from the file watcher -> the jobs the bridge sends: one file_change event
 * (shared `fileChangeEvent`: its id hashes the sorted paths, kinds and content hashes) routed with
 * the shared router (one Job per matched handler, id `event.id#handler`). The watcher already
 * inlines small text files (the source's `max_content_bytes`; binary = NUL byte or invalid UTF-8)
 * and gives larger or binary files by hash only.
 *
 * An SQS message holds at most 256 KiB. When a job would be larger, inlined contents are dropped,
 * largest first (those files keep their hash: the event id does not change, it never covers
 * contents); when even the bare list is too large (thousands of files), the set is split in
 * halves by path, each half its own event with its own deterministic id.
 */
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import type { Job } from "../../shared/events/event.ts";
import { fileChangeEvent, type FileChange } from "../../shared/events/file-change-event.ts";
import { routeEvent } from "../../shared/router/route.ts";
import { jobMessageBody } from "./sqs-send.ts";

/** SQS's message size limit (body + attributes), less room for the attributes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 - 2048;

export interface WatchedChanges {
  readonly source: string;
  readonly root: string;
  readonly changes: readonly FileChange[];
}

export interface BuiltChangeSet {
  readonly files: number;
  readonly eventIds: readonly string[];
  readonly jobs: readonly Job[];
  /** Files whose content was left out to fit the message size (they still carry their hash). */
  readonly contentDropped: number;
}

export interface BuildOptions {
  /** When the files changed: the event timestamp. */
  readonly changedAt: Date;
  /** When the jobs are made: `enqueued_at`. */
  readonly now: Date;
  /** @default DEFAULT_MAX_MESSAGE_BYTES */
  readonly maxMessageBytes?: number;
}

function largestMessage(jobs: readonly Job[]): number {
  return jobs.reduce((m, j) => Math.max(m, Buffer.byteLength(jobMessageBody(j))), 0);
}

function route(set: WatchedChanges, changes: readonly FileChange[], config: OrchestratorConfig, opts: BuildOptions) {
  const event = fileChangeEvent({ source: set.source, root: set.root, changes, now: opts.changedAt });
  return { event, jobs: routeEvent(event, config, opts.now) };
}

function withoutContent(c: FileChange): FileChange {
  const { content: _content, ...rest } = c;
  return rest;
}

export function buildChangeSet(set: WatchedChanges, config: OrchestratorConfig, opts: BuildOptions): BuiltChangeSet {
  const limit = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const eventIds: string[] = [];
  const jobs: Job[] = [];
  let contentDropped = 0;

  const build = (changes: FileChange[]): void => {
    let routed = route(set, changes, config, opts);
    let size = largestMessage(routed.jobs);
    while (size > limit && changes.some((c) => c.content !== undefined)) {
      // Each inlined text appears twice in the payload (`changes[].content`, `files_content`).
      let excess = size - limit;
      const order = changes
        .map((c, i) => ({ i, len: c.content === undefined ? -1 : Buffer.byteLength(c.content) }))
        .sort((a, b) => b.len - a.len);
      for (const { i, len } of order) {
        if (len < 0 || excess <= 0) break;
        changes[i] = withoutContent(changes[i]!);
        contentDropped++;
        excess -= 2 * len;
      }
      routed = route(set, changes, config, opts);
      size = largestMessage(routed.jobs);
    }
    if (size > limit && changes.length > 1) {
      const half = Math.ceil(changes.length / 2);
      build(changes.slice(0, half));
      build(changes.slice(half));
      return;
    }
    if (routed.jobs.length > 0) eventIds.push(routed.event.id);
    jobs.push(...routed.jobs);
  };

  const sorted = [...set.changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (sorted.length > 0) build(sorted);
  return { files: sorted.length, eventIds, jobs, contentDropped };
}
