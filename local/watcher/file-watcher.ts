/**
 * Watches one `file_change` source: chokidar on the root, picomatch on paths relative to it,
 * the source's event kinds, and a debounce so a burst of saves becomes ONE change set listing
 * every changed file (last kind per path wins; created then deleted in one window cancels out).
 * Each changed file carries its sha256 (deletes: "deleted"), size, and small text inline.
 * Independent of the daemon: the watcher bridge reuses it.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import { watch, type FSWatcher } from "chokidar";
import picomatch from "picomatch";
import { FileChangeKind as ChangeKind, type FileChange } from "../../shared/events/file-change-event.ts";
import type { Causation } from "../../shared/guardrails/causation.ts";
import type { Logger } from "../../shared/logging/logger.ts";

/** The kinds and the change record are the event's (one set of file-change kinds). */
export { FileChangeKind as ChangeKind, type FileChange } from "../../shared/events/file-change-event.ts";

export interface ChangeSet {
  readonly source: string;
  readonly root: string;
  readonly changes: readonly FileChange[];
  /** Set when some changes are the daemon's own writes let through: the deepest of their causations. */
  readonly causation?: Causation;
}

/** Recognises the files the daemon's own handlers wrote (local/watcher/own-writes.ts). */
export interface OwnChanges {
  match(absPath: string, hash: string): Promise<Causation | undefined>;
  /** true: leave them out of change sets; false: keep them, with their causation. */
  readonly ignore: boolean;
}

/** "retry": the consumer could not take it (back-pressure); the watcher merges it into the next set. */
export type ChangeSink = (set: ChangeSet) => Promise<void | "retry">;

export interface FileWatchOptions {
  readonly source: string;
  /** Absolute folder to watch. */
  readonly root: string;
  /** @default "**\/*" */
  readonly pattern?: string | readonly string[];
  readonly ignore?: readonly string[];
  /** @default all three */
  readonly events?: readonly ChangeKind[];
  readonly debounceMs: number;
  /** @default 65536 */
  readonly maxContentBytes?: number;
  /** Absolute folders never reported (the daemon's state directory). */
  readonly ignorePaths?: readonly string[];
  /** Receives each debounced change set. */
  readonly onChanges: ChangeSink;
  readonly logger: Logger;
  readonly onError?: (err: Error) => void;
  /** The daemon's own writes: ignored, or marked as caused by a job. @default none */
  readonly ownChanges?: OwnChanges;
  /** Test seam for chokidar's polling mode; @default false */
  readonly usePolling?: boolean;
}

export interface FileWatcher {
  /** Resolves once the initial scan is done and changes are being watched. */
  start(): Promise<void>;
  /** Stops watching, flushes pending debounced changes, resolves after the flush. */
  stop(): Promise<void>;
}

export class FileWatcherError extends Error {
  override readonly name = "FileWatcherError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Folders never watched (nor scanned by the bridge's catch-up). */
export const IGNORED_DIRS: ReadonlySet<string> = new Set([".git", "node_modules"]);
const IGNORED_FILES = new Set(["4913", ".DS_Store"]);

/** Editor temp and swap files: vim `.swp/.swx/4913`, emacs `~` and `.#lock`, macOS `.DS_Store`. */
export function isEditorTempFile(name: string): boolean {
  return (
    IGNORED_FILES.has(name) ||
    name.endsWith("~") ||
    name.startsWith(".#") ||
    /\.sw[a-p]$/.test(name) ||
    name.endsWith(".swx")
  );
}

/** How a new kind combines with the kind already pending for a path (undefined: they cancel). */
export function mergeKind(prev: ChangeKind | undefined, next: ChangeKind): ChangeKind | undefined {
  if (prev === undefined) return next;
  if (prev === "create") return next === "delete" ? undefined : "create";
  if (prev === "delete") return next === "delete" ? "delete" : "modify";
  return next === "create" ? "modify" : next;
}

/** Whether a file's bytes are UTF-8 text (inlined in change sets when small). */
export function isText(buf: Buffer): boolean {
  if (buf.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

export function createFileWatcher(options: FileWatchOptions): FileWatcher {
  const root = resolve(options.root);
  const patterns =
    options.pattern === undefined
      ? ["**/*"]
      : typeof options.pattern === "string"
        ? [options.pattern]
        : [...options.pattern];
  const matches = picomatch(patterns, { dot: true });
  const ignoredByUser =
    options.ignore && options.ignore.length > 0 ? picomatch([...options.ignore], { dot: true }) : () => false;
  const kinds = new Set<ChangeKind>(options.events ?? Object.values(ChangeKind));
  const maxContent = options.maxContentBytes ?? 65536;
  const ignorePaths = (options.ignorePaths ?? []).map((p) => resolve(p));
  const debounceMs = options.debounceMs;
  const maxWaitMs = Math.max(1000, debounceMs * 10);
  const { logger } = options;

  const sink = options.onChanges;
  let watcher: FSWatcher | undefined;
  let pending = new Map<string, ChangeKind>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstAt = 0;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  function rel(abs: string): string {
    return relative(root, abs).split(sep).join("/");
  }

  function ignored(abs: string): boolean {
    const full = isAbsolute(abs) ? abs : resolve(root, abs);
    if (ignorePaths.some((p) => full === p || full.startsWith(p + sep))) return true;
    const r = relative(root, full);
    if (r === "") return false;
    if (r.split(sep).some((part) => IGNORED_DIRS.has(part))) return true;
    if (isEditorTempFile(basename(full))) return true;
    return ignoredByUser(r.split(sep).join("/"));
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    const waited = Date.now() - firstAt;
    const delay = Math.max(0, Math.min(debounceMs, maxWaitMs - waited));
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delay);
  }

  function record(kind: ChangeKind, abs: string): void {
    if (stopped) return;
    const path = rel(abs);
    if (!matches(path)) return;
    if (pending.size === 0) firstAt = Date.now();
    const merged = mergeKind(pending.get(path), kind);
    if (merged === undefined) pending.delete(path);
    else pending.set(path, merged);
    schedule();
  }

  async function describe(path: string, kind: ChangeKind): Promise<FileChange | undefined> {
    if (kind === "delete") return { path, kind, hash: "deleted" };
    let buf: Buffer;
    try {
      buf = await readFile(resolve(root, path));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return kind === "create" ? undefined : { path, kind: "delete", hash: "deleted" };
      if (code === "EISDIR") return undefined;
      throw err;
    }
    const hash = createHash("sha256").update(buf).digest("hex");
    const content = buf.length <= maxContent && isText(buf) ? buf.toString("utf8") : undefined;
    return content === undefined
      ? { path, kind, hash, size: buf.length }
      : { path, kind, hash, size: buf.length, content };
  }

  /** Leaves out (or marks) the daemon's own writes. */
  async function screenOwn(seen: FileChange[]): Promise<{ changes: FileChange[]; causation?: Causation }> {
    const own = options.ownChanges;
    if (!own) return { changes: seen };
    const changes: FileChange[] = [];
    let causation: Causation | undefined;
    let ignored = 0;
    for (const c of seen) {
      const mine = c.kind === "delete" ? undefined : await own.match(resolve(root, c.path), c.hash);
      if (mine && own.ignore) {
        ignored += 1;
        continue;
      }
      if (mine && (!causation || mine.depth > causation.depth)) causation = mine;
      changes.push(c);
    }
    if (ignored > 0)
      logger.log("debug", "ignored the handlers' own writes", { source: options.source, files: ignored });
    return { changes, ...(causation ? { causation } : {}) };
  }

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    const batch = pending;
    pending = new Map();
    if (batch.size === 0) return chain;
    chain = chain
      .then(async () => {
        const described = await Promise.all([...batch].map(([p, k]) => describe(p, k)));
        const seen = described
          .filter((c): c is FileChange => c !== undefined && kinds.has(c.kind))
          .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        const { changes, causation } = await screenOwn(seen);
        if (changes.length === 0) return;
        const answer = await sink({ source: options.source, root, changes, ...(causation ? { causation } : {}) });
        if (answer === "retry") {
          // Back-pressure: coalesce into the next set (newer kinds win) and try again later.
          for (const [p, k] of batch) if (!pending.has(p)) pending.set(p, k);
          if (!stopped) {
            if (pending.size === batch.size) firstAt = Date.now();
            schedule();
          } else {
            logger.log("warn", "file changes not delivered at stop (queue full)", {
              source: options.source,
              files: batch.size,
            });
          }
        }
      })
      .catch((err: unknown) => {
        const e = err instanceof Error ? err : new FileWatcherError(String(err));
        logger.log("error", "file change delivery failed", { source: options.source, error: e.message });
        options.onError?.(e);
      });
    return chain;
  }

  return {
    start() {
      if (watcher) return Promise.reject(new FileWatcherError(`watcher for ${options.source} already started`));
      return new Promise((resolveStart, rejectStart) => {
        const w = watch(root, {
          ignoreInitial: true,
          persistent: true,
          ignored: (p: string) => ignored(p),
          usePolling: options.usePolling ?? false,
          interval: 50,
        });
        watcher = w;
        let ready = false;
        w.on("add", (p) => record("create", p));
        w.on("change", (p) => record("modify", p));
        w.on("unlink", (p) => record("delete", p));
        w.on("error", (err) => {
          const e = err instanceof Error ? err : new FileWatcherError(String(err));
          logger.log("error", "file watcher error", { source: options.source, error: e.message });
          if (!ready) rejectStart(new FileWatcherError(`cannot watch ${root}: ${e.message}`, { cause: e }));
          else options.onError?.(e);
        });
        w.once("ready", () => {
          ready = true;
          resolveStart();
        });
      });
    },
    async stop() {
      stopped = true;
      const w = watcher;
      watcher = undefined;
      if (w) await w.close();
      await flush();
    },
  };
}
