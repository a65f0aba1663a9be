/**
 * A debounced change set from the file watcher -> the file_change event(s) the bridge admits (shared
 * `fileChangeEvent`: its id hashes the sorted paths, kinds and content hashes). Routing is the
 * admission's (shared/ingest/admit.ts); this only makes sure every job the event can become fits
 * one SQS message. The watcher already inlines small text files (the source's `max_content_bytes`;
 * binary = NUL byte or invalid UTF-8) and gives larger or binary files by hash only.
 *
 * An SQS message holds at most 256 KiB. When a job would be larger, inlined contents are dropped,
 * largest first (those files keep their hash: the event id does not change, it never covers
 * contents); when even the bare list is too large (thousands of files), the set is split in
 * halves by path, each half its own event with its own deterministic id. A job's size is measured
 * with the codec for the longest handler name of the config (the job id and attributes hold it).
 */
import { encodeJobMessage, messageBytes } from "../../shared/aws/job-message.ts";
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import { jobIdOf, type Event } from "../../shared/events/event.ts";
import { fileChangeEvent, type FileChange } from "../../shared/events/file-change-event.ts";

/** SQS's message size limit (body + attributes), less room for a rendered concurrency key. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 - 2048;

export interface WatchedChanges {
  readonly source: string;
  readonly root: string;
  readonly changes: readonly FileChange[];
}

export interface BuiltChangeSet {
  readonly files: number;
  /** In path order; each fits one job message. */
  readonly events: readonly Event[];
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

/** The largest job message this event can become (for the config's longest handler name). */
export function largestJobBytes(event: Event, config: OrchestratorConfig, now: Date): number {
  const handler = Object.keys(config.handlers).reduce((a, b) => (b.length > a.length ? b : a), "");
  return messageBytes(
    encodeJobMessage({ id: jobIdOf(event.id, handler), handler, event, attempt: 1, enqueued_at: now.toISOString() }),
  );
}

function withoutContent(c: FileChange): FileChange {
  const { content: _content, ...rest } = c;
  return rest;
}

export function buildChangeSet(set: WatchedChanges, config: OrchestratorConfig, opts: BuildOptions): BuiltChangeSet {
  const limit = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const events: Event[] = [];
  let contentDropped = 0;
  const eventOf = (changes: readonly FileChange[]) =>
    fileChangeEvent({ source: set.source, root: set.root, changes, now: opts.changedAt });

  const build = (changes: FileChange[]): void => {
    let event = eventOf(changes);
    let size = largestJobBytes(event, config, opts.now);
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
      event = eventOf(changes);
      size = largestJobBytes(event, config, opts.now);
    }
    if (size > limit && changes.length > 1) {
      const half = Math.ceil(changes.length / 2);
      build(changes.slice(0, half));
      build(changes.slice(half));
      return;
    }
    events.push(event);
  };

  const sorted = [...set.changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (sorted.length > 0) build(sorted);
  return { files: sorted.length, events, contentDropped };
}
