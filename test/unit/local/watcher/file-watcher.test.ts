import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { waitFor } from "../../../harness/wait-for.ts";
import { mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  createFileWatcher,
  isEditorTempFile,
  mergeKind,
  type ChangeSet,
  type FileWatchOptions,
} from "../../../../local/watcher/file-watcher.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempRoot(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "evd-watch-"));
  dirs.push(d);
  return d;
}

function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

async function started(root: string, extra: Partial<FileWatchOptions> = {}) {
  const sets: ChangeSet[] = [];
  const w = createFileWatcher({
    source: "src",
    root,
    debounceMs: 300,
    logger: silentLogger,
    onChanges: async (s) => {
      sets.push(s);
    },
    ...extra,
  });
  await w.start();
  return { w, sets };
}

describe("file watcher", () => {
  it("turns 20 files written within the debounce window into ONE change set listing all 20", async () => {
    const root = await tempRoot();
    const { w, sets } = await started(root, { debounceMs: 1000 });
    for (let i = 0; i < 20; i++) await writeFile(join(root, `f${String(i).padStart(2, "0")}.txt`), `content ${i}`);
    await waitFor(() => sets.length > 0, "a change set");
    await w.stop();
    assert.equal(sets.length, 1);
    const set = sets[0]!;
    assert.equal(set.source, "src");
    assert.equal(set.changes.length, 20);
    assert.deepEqual(
      set.changes.map((c) => c.kind),
      Array(20).fill("create"),
    );
    assert.equal(set.changes[3]!.path, "f03.txt");
    assert.equal(set.changes[3]!.hash, sha("content 3"));
    assert.equal(set.changes[3]!.size, 9);
    assert.equal(set.changes[3]!.content, "content 3");
  });

  it("applies the pattern and ignores editor temp files, .git, node_modules and the state directory", async () => {
    const root = await tempRoot();
    for (const d of [".git", "node_modules", ".amplifier", "lib"]) await mkdir(join(root, d));
    const { w, sets } = await started(root, { pattern: "**/*.py", ignorePaths: [join(root, ".amplifier")] });
    const names = [
      "a.py",
      "lib/b.py",
      "notes.md",
      ".a.py.swp",
      "a.py~",
      ".#a.py",
      "4913",
      ".DS_Store",
      ".git/x.py",
      "node_modules/y.py",
      ".amplifier/z.py",
    ];
    for (const n of names) await writeFile(join(root, n), n);
    await waitFor(() => sets.length > 0, "a change set");
    await w.stop();
    assert.deepEqual(
      sets.flatMap((s) => s.changes.map((c) => c.path)),
      ["a.py", "lib/b.py"],
    );
  });

  it("reports modify and delete, cancels a create+delete in one window, honours `events`", async () => {
    const root = await tempRoot();
    await writeFile(join(root, "keep.txt"), "v1");
    await writeFile(join(root, "gone.txt"), "bye");
    const { w, sets } = await started(root, { events: ["modify", "delete"] });
    await writeFile(join(root, "keep.txt"), "v2");
    await unlink(join(root, "gone.txt"));
    await writeFile(join(root, "temp.txt"), "brief");
    await unlink(join(root, "temp.txt"));
    await writeFile(join(root, "new.txt"), "created, but creates are not asked for");
    await waitFor(() => sets.length > 0, "a change set");
    await w.stop();
    assert.deepEqual(sets[0]!.changes, [
      { path: "gone.txt", kind: "delete", hash: "deleted" },
      { path: "keep.txt", kind: "modify", hash: sha("v2"), size: 2, content: "v2" },
    ]);
  });

  it("flushes pending changes on stop", async () => {
    const root = await tempRoot();
    const { w, sets } = await started(root, { debounceMs: 60_000 });
    await writeFile(join(root, "late.txt"), "x");
    await new Promise((r) => setTimeout(r, 300));
    await w.stop();
    assert.equal(sets.length, 1);
    assert.deepEqual(
      sets[0]!.changes.map((c) => c.path),
      ["late.txt"],
    );
  });

  it("coalesces a refused change set into the next one (back-pressure)", async () => {
    const root = await tempRoot();
    const sets: ChangeSet[] = [];
    let refuse = true;
    const w = createFileWatcher({
      source: "src",
      root,
      debounceMs: 150,
      logger: silentLogger,
      onChanges: async (s) => {
        if (refuse) {
          refuse = false;
          return "retry";
        }
        sets.push(s);
      },
    });
    await w.start();
    await writeFile(join(root, "one.txt"), "1");
    await waitFor(() => !refuse, "the first (refused) delivery");
    await writeFile(join(root, "two.txt"), "2");
    await waitFor(() => sets.length > 0, "a change set");
    await w.stop();
    assert.deepEqual(sets.flatMap((s) => s.changes.map((c) => c.path)).sort(), ["one.txt", "two.txt"]);
  });

  it("inlines text only, and only up to the size limit", async () => {
    const root = await tempRoot();
    const { w, sets } = await started(root, { maxContentBytes: 8 });
    await writeFile(join(root, "big.txt"), "0123456789");
    await writeFile(join(root, "bin.dat"), Buffer.from([1, 0, 2]));
    await waitFor(() => sets.length > 0, "a change set");
    await w.stop();
    const byPath = Object.fromEntries(sets[0]!.changes.map((c) => [c.path, c]));
    assert.equal(byPath["big.txt"]!.content, undefined);
    assert.equal(byPath["big.txt"]!.size, 10);
    assert.equal(byPath["bin.dat"]!.content, undefined);
  });

  it("merges kinds: last wins, create+delete cancels, delete+create is a modify", () => {
    assert.equal(mergeKind(undefined, "modify"), "modify");
    assert.equal(mergeKind("create", "modify"), "create");
    assert.equal(mergeKind("create", "delete"), undefined);
    assert.equal(mergeKind("delete", "create"), "modify");
    assert.equal(mergeKind("modify", "delete"), "delete");
  });

  it("recognises editor temp files", () => {
    for (const n of ["a.swp", ".a.swx", "b~", ".#c", "4913", ".DS_Store"]) assert.ok(isEditorTempFile(n), n);
    for (const n of ["a.py", "swp", "4914"]) assert.ok(!isEditorTempFile(n), n);
  });
});
