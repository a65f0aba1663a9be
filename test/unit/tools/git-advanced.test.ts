import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ToolError } from "../../../shared/tools/errors.ts";
import { gitAdvancedTool } from "../../../shared/tools/git-advanced.ts";
import { git, makeRepo } from "../pipeline/git-repo.ts";
import { withTempDir } from "../pipeline/support.ts";

const ctx = { handler: "weekly" };

describe("tool-git-advanced", () => {
  it("logs commits since a date, newest first", async () => {
    await withTempDir(async (dir) => {
      makeRepo(dir, [
        ["a.txt", "1\n", "First commit"],
        ["b.txt", "2\n", "Second; $(rm -rf /) `x`"],
      ]);
      const tool = gitAdvancedTool(dir);
      const out = await tool.run("log", { since: "1 week ago" }, ctx);
      const lines = String(out.output).split("\n");
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^[0-9a-f]{7,} \d{4}-\d\d-\d\d Test Dev: Second; \$\(rm -rf \/\) `x`$/);
      assert.match(lines[1]!, /First commit$/);
      assert.equal(out.target, "since 1 week ago");
      assert.equal(String((await tool.run("log", { max_count: 1 }, ctx)).output).split("\n").length, 1);
    });
  });

  it("diffs the working tree, a base, or base..head", async () => {
    await withTempDir(async (dir) => {
      makeRepo(dir, [
        ["a.txt", "1\n", "one"],
        ["a.txt", "2\n", "two"],
      ]);
      const tool = gitAdvancedTool(dir);
      const range = await tool.run("diff", { base: "HEAD~1", head: "HEAD" }, ctx);
      assert.match(String(range.output), /^diff --git a\/a\.txt b\/a\.txt\n[\s\S]*-1\n\+2\n$/);
      assert.equal(range.target, "HEAD~1..HEAD");
      assert.equal((await tool.run("diff", {}, ctx)).output, "");
      await writeFile(join(dir, "a.txt"), "3\n");
      assert.match(String((await tool.run("diff", {}, ctx)).output), /-2\n\+3\n$/);
      assert.match(String((await tool.run("diff", { base: "HEAD~1", path: "a.txt" }, ctx)).output), /-1\n\+3\n$/);
      const sha = git(dir, "rev-parse", "HEAD").trim();
      assert.match(String((await tool.run("diff", { base: `${sha}~1`, head: sha }, ctx)).output), /-1\n\+2\n$/);
    });
  });

  it("refuses refs and dates that would become options, and reports git errors permanently", async () => {
    await withTempDir(async (dir) => {
      makeRepo(dir, [["a.txt", "1\n", "one"]]);
      const tool = gitAdvancedTool(dir);
      await assert.rejects(
        tool.run("diff", { base: "--output=/tmp/x" }, ctx),
        /`base` "--output=\/tmp\/x" is not a git ref/,
      );
      await assert.rejects(tool.run("diff", { base: "HEAD; rm -rf /" }, ctx), /is not a git ref/);
      await assert.rejects(tool.run("log", { since: "-p" }, ctx), /`since` "-p" is not a date/);
      await assert.rejects(
        tool.run("diff", { base: "no-such-ref" }, ctx),
        (e: unknown) => e instanceof ToolError && e.permanent && /git diff failed/.test(e.message),
      );
      await assert.rejects(gitAdvancedTool(join(dir, "nope")).run("log", {}, ctx), /git log failed/);
    });
  });
});
