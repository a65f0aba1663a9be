import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyChanges,
  diffManifest,
  manifestFile,
  manifestFromScan,
  scanTree,
} from "../../../../local/bridge/catch-up.ts";

const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), "evd-catchup-"));
  for (const d of ["docs", ".git", "node_modules/x", "spool", "build"]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, "docs", "a.md"), "# A\n");
  writeFileSync(join(root, "docs", "big.md"), "b".repeat(100));
  writeFileSync(join(root, "docs", "img.png"), Buffer.from([1, 0, 2]));
  writeFileSync(join(root, "docs", ".a.md.swp"), "swap");
  writeFileSync(join(root, ".git", "HEAD"), "ref");
  writeFileSync(join(root, "node_modules", "x", "i.md"), "dep");
  writeFileSync(join(root, "spool", "s.md"), "own spool");
  writeFileSync(join(root, "build", "out.md"), "ignored by glob");
  writeFileSync(join(root, "notes.txt"), "not matched");
  symlinkSync(join(root, "docs", "a.md"), join(root, "docs", "link.md"));
  return root;
}

describe("catch-up scan", () => {
  it("finds the files the watcher would report, with hashes and small text inline", async () => {
    const root = tree();
    const scan = await scanTree({
      root,
      pattern: "**/*.{md,png}",
      ignore: ["build/**"],
      ignorePaths: [join(root, "spool")],
      maxContentBytes: 50,
    });
    assert.deepEqual([...scan.keys()].sort(), ["docs/a.md", "docs/big.md", "docs/img.png", "docs/link.md"]);
    assert.deepEqual(scan.get("docs/a.md"), { hash: sha("# A\n"), size: 4, content: "# A\n" });
    assert.equal(scan.get("docs/big.md")!.content, undefined, "over max_content_bytes: hash only");
    assert.equal(scan.get("docs/img.png")!.content, undefined, "binary: hash only");
  });

  it("reports creations, modifications and deletions against the manifest, filtered by kind", () => {
    const now = new Map([
      ["a.md", { hash: "h1", size: 1 }],
      ["b.md", { hash: "h2-new", size: 1 }],
      ["c.md", { hash: "h3", size: 1 }],
    ]);
    const before = { "a.md": "h1", "b.md": "h2", "gone.md": "h9" };
    assert.deepEqual(
      diffManifest(before, now, ["create", "modify", "delete"]).map((c) => `${c.kind} ${c.path}`),
      ["modify b.md", "create c.md", "delete gone.md"],
    );
    assert.deepEqual(
      diffManifest(before, now, ["modify"]).map((c) => c.path),
      ["b.md"],
    );
    assert.deepEqual(diffManifest(manifestFromScan(now), now, ["create", "modify", "delete"]), []);
  });

  it("keeps the manifest in step with the change sets, on disk", () => {
    const spool = mkdtempSync(join(tmpdir(), "evd-catchup-spool-"));
    const m = manifestFile(spool, "docs", "/some/root");
    assert.equal(m.load(), undefined, "first start: no manifest");
    const next = applyChanges({ "a.md": "1", "b.md": "2" }, [
      { path: "a.md", kind: "modify", hash: "1b" },
      { path: "b.md", kind: "delete", hash: "deleted" },
      { path: "c.md", kind: "create", hash: "3" },
    ]);
    m.save(next);
    assert.deepEqual(manifestFile(spool, "docs", "/some/root").load(), { "a.md": "1b", "c.md": "3" });
    assert.equal(manifestFile(spool, "docs", "/other/root").load(), undefined, "one manifest per watched root");
  });
});
