/**
 * Changes made while the bridge was not running (stopped, or killed inside a debounce window) are
 * invisible to the watcher, which only reports what happens after it starts. So the bridge keeps,
 * per source, a manifest of the files as last reported (path -> content hash), and on start scans
 * the tree with the watcher's rules (patterns, ignores, editor temp files, .git and node_modules)
 * and reports the difference as one change set. The first start only records the manifest.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import { IGNORED_DIRS, isEditorTempFile, isText, type ChangeKind, type FileChange } from "../watcher/file-watcher.ts";
import { writeFileAtomic } from "./spool.ts";

/** path (relative, `/`-separated) -> sha256 hex of the content. */
export type Manifest = Record<string, string>;

export interface ScanOptions {
  readonly root: string;
  readonly pattern: string | readonly string[];
  readonly ignore: readonly string[];
  readonly ignorePaths: readonly string[];
  readonly maxContentBytes: number;
}

export interface ScannedFile {
  readonly hash: string;
  readonly size: number;
  readonly content?: string;
}

/** The files the watcher would report under `root`, with their hashes (and small text inline). */
export async function scanTree(opts: ScanOptions): Promise<Map<string, ScannedFile>> {
  const root = resolve(opts.root);
  const matches = picomatch(typeof opts.pattern === "string" ? [opts.pattern] : [...opts.pattern], { dot: true });
  const ignored = opts.ignore.length > 0 ? picomatch([...opts.ignore], { dot: true }) : () => false;
  const skip = opts.ignorePaths.map((p) => resolve(p));
  const found = new Map<string, ScannedFile>();
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // vanished or unreadable: the watcher would not report it either
    }
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (skip.some((p) => abs === p || abs.startsWith(p + sep))) continue;
      if (e.isDirectory()) {
        if (!IGNORED_DIRS.has(e.name)) await walk(abs);
        continue;
      }
      // The watcher follows symbolic links to files: so does the scan.
      const isFile =
        e.isFile() ||
        (e.isSymbolicLink() &&
          (await stat(abs).then(
            (st) => st.isFile(),
            () => false,
          )));
      if (!isFile || isEditorTempFile(e.name)) continue;
      const rel = relative(root, abs).split(sep).join("/");
      if (!matches(rel) || ignored(rel)) continue;
      let buf: Buffer;
      try {
        buf = await readFile(abs);
      } catch {
        continue;
      }
      const hash = createHash("sha256").update(buf).digest("hex");
      const content = buf.length <= opts.maxContentBytes && isText(buf) ? buf.toString("utf8") : undefined;
      found.set(rel, content === undefined ? { hash, size: buf.length } : { hash, size: buf.length, content });
    }
  };
  await walk(root);
  return found;
}

/** What changed between the manifest and the tree now, as the watcher would report it, by path. */
export function diffManifest(
  before: Manifest,
  now: ReadonlyMap<string, ScannedFile>,
  kinds: readonly ChangeKind[],
): FileChange[] {
  const out: FileChange[] = [];
  for (const [path, f] of now) {
    const prev = before[path];
    if (prev === f.hash) continue;
    out.push({ path, kind: prev === undefined ? "create" : "modify", ...f });
  }
  for (const path of Object.keys(before)) if (!now.has(path)) out.push({ path, kind: "delete", hash: "deleted" });
  return out.filter((c) => kinds.includes(c.kind)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The manifest after a change set. */
export function applyChanges(manifest: Manifest, changes: readonly FileChange[]): Manifest {
  const next = { ...manifest };
  for (const c of changes) {
    if (c.kind === "delete") delete next[c.path];
    else next[c.path] = c.hash;
  }
  return next;
}

export function manifestFromScan(scan: ReadonlyMap<string, ScannedFile>): Manifest {
  return Object.fromEntries([...scan].map(([p, f]) => [p, f.hash]));
}

/** One source's manifest on disk (written atomically). */
export interface ManifestFile {
  load(): Manifest | undefined;
  save(manifest: Manifest): void;
}

export function manifestFile(spoolDir: string, source: string, root: string): ManifestFile {
  const dir = join(spoolDir, "manifests");
  const tmp = join(spoolDir, "tmp");
  for (const d of [dir, tmp]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const file = join(
    dir,
    `${source.replace(/[^A-Za-z0-9_.-]/g, "_")}-${createHash("sha256").update(resolve(root)).digest("hex").slice(0, 8)}.json`,
  );
  return {
    load() {
      if (!existsSync(file)) return undefined;
      try {
        const m = JSON.parse(readFileSync(file, "utf8")) as { files?: Manifest };
        return m.files && typeof m.files === "object" ? m.files : undefined;
      } catch {
        return undefined; // unreadable: start over from the tree as it is
      }
    },
    save(manifest) {
      writeFileAtomic(tmp, file, `${JSON.stringify({ root: resolve(root), files: manifest })}\n`);
    },
  };
}
