import { createHash } from "node:crypto";
import { EventError } from "./errors.ts";
import { EventIdKind, namespacedEventId } from "./event-id.ts";
import { EventType, type Event } from "./event.ts";

export const FileChangeKind = { CREATE: "create", MODIFY: "modify", DELETE: "delete" } as const;
export type FileChangeKind = (typeof FileChangeKind)[keyof typeof FileChangeKind];

export interface FileChange {
  /** Relative to the source root, `/`-separated. */
  readonly path: string;
  readonly kind: FileChangeKind;
  /** Content hash (or mtime/size fingerprint) of the file after the change; "" for a delete. */
  readonly hash: string;
  readonly size?: number;
  /** Inlined text content for small text files. */
  readonly content?: string;
}

export interface FileChangeInput {
  /** The source name (see shared/config/source-name.ts). */
  readonly source: string;
  /** The watched root folder. */
  readonly root: string;
  readonly changes: readonly FileChange[];
  readonly now: Date;
}

/**
 * A debounced batch of file changes as one event. The id is `file:<sha256>` over the source name
 * and the sorted (path, kind, hash) triples: the same set of changes yields the same id, so a
 * duplicate watcher notification dedupes. Payload: `files` (paths), `changed_files` (same),
 * `changes` (full records), `files_content` (inlined contents, for the spec's `{files_content}`),
 * `root`, `source`.
 */
export function fileChangeEvent(input: FileChangeInput): Event {
  if (input.changes.length === 0)
    throw new EventError(`file_change event for source "${input.source}" without changes`);
  const changes = [...input.changes]
    .map(normalizeChange)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    id: fileChangeEventId(input.source, changes),
    type: EventType.FILE_CHANGE,
    source: input.source,
    payload: fileChangePayload(input.source, input.root, changes),
    timestamp: input.now.toISOString(),
    metadata: { root: input.root },
  };
}

export function fileChangeEventId(source: string, changes: readonly FileChange[]): string {
  const lines = changes.map((c) => `${c.path}\0${c.kind}\0${c.hash}`).sort();
  const hash = createHash("sha256")
    .update(`${source}\n${lines.join("\n")}`)
    .digest("hex");
  return namespacedEventId(EventIdKind.FILE, hash);
}

/** The payload of a file_change event (also used by the router when it narrows the changes). */
export function fileChangePayload(
  source: string,
  root: string,
  changes: readonly FileChange[],
): Record<string, unknown> {
  const files = changes.map((c) => c.path);
  const filesContent = changes
    .filter((c) => typeof c.content === "string")
    .map((c) => `--- ${c.path} ---\n${c.content}`)
    .join("\n\n");
  return {
    source,
    root,
    files,
    changed_files: files,
    changes: changes.map((c) => ({ ...c })),
    files_content: filesContent,
  };
}

function normalizeChange(c: FileChange): FileChange {
  if (!c.path) throw new EventError("file change without a path");
  if (!Object.values(FileChangeKind).includes(c.kind)) {
    throw new EventError(
      `file change "${c.path}": unknown kind "${String(c.kind)}"; expected one of ${Object.values(FileChangeKind).join(", ")}`,
    );
  }
  return { ...c, path: c.path.replaceAll("\\", "/") };
}
