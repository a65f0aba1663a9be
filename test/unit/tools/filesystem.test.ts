import assert from "node:assert/strict";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PathEscapeError, ToolError } from "../../../shared/tools/errors.ts";
import { nodeConfinedFiles } from "../../../shared/node/node-confined-files.ts";
import { filesystemTool as toolOn } from "../../../shared/tools/filesystem.ts";
import { withTempDir } from "../pipeline/support.ts";

const ctx = { handler: "update-docs" };
const filesystemTool = (root: string) => toolOn(nodeConfinedFiles(root));

async function setup(dir: string): Promise<string> {
  const root = join(dir, "root");
  await mkdir(join(root, "src"), { recursive: true });
  await writeFile(join(root, "src", "a.py"), "A\n");
  await writeFile(join(root, "src", "b.py"), "B\n");
  await writeFile(join(dir, "secret.txt"), "outside");
  return root;
}

describe("tool-filesystem", () => {
  it("reads one file, and a list of files with a header each (deleted files marked)", async () => {
    await withTempDir(async (dir) => {
      const tool = filesystemTool(await setup(dir));
      assert.deepEqual(await tool.run("read", { path: "src/a.py" }, ctx), { output: "A\n", target: "src/a.py" });
      const many = await tool.run("read", { path: ["src/a.py", "src/b.py", "src/gone.py"] }, ctx);
      assert.equal(many.output, "--- src/a.py ---\nA\n\n\n--- src/b.py ---\nB\n\n\n--- src/gone.py ---\n(deleted)");
      await assert.rejects(
        tool.run("read", { path: "src/gone.py" }, ctx),
        (e: unknown) => e instanceof ToolError && e.permanent && /does not exist/.test(e.message),
      );
      await assert.rejects(tool.run("read", {}, ctx), /`path` is required/);
    });
  });

  it("writes atomically, creating folders; content defaults to the previous output, path to config.output_path or <handler>.out.md", async () => {
    await withTempDir(async (dir) => {
      const root = await setup(dir);
      const tool = filesystemTool(root);
      assert.deepEqual(await tool.run("write", { path: "out/x.md", content: "hello" }, ctx), {
        output: { path: "out/x.md", bytes: 5 },
        target: "out/x.md",
      });
      assert.equal(await readFile(join(root, "out", "x.md"), "utf8"), "hello");
      await tool.run("write", {}, { ...ctx, previousOutput: "from the model" });
      assert.equal(await readFile(join(root, "update-docs.out.md"), "utf8"), "from the model");
      await tool.run(
        "write",
        {},
        { ...ctx, previousOutput: { a: 1 }, handlerConfig: { output_path: "docs/out.json" } },
      );
      assert.equal(await readFile(join(root, "docs", "out.json"), "utf8"), '{\n  "a": 1\n}');
      await tool.run("write", { path: "out/x.md", content: "replaced" }, ctx);
      assert.equal(await readFile(join(root, "out", "x.md"), "utf8"), "replaced");
      assert.deepEqual((await readdir(join(root, "out"))).sort(), ["x.md"], "no temporary files left");
    });
  });

  it("appends and lists", async () => {
    await withTempDir(async (dir) => {
      const root = await setup(dir);
      const tool = filesystemTool(root);
      await tool.run("append", { path: "log.txt", content: "1\n" }, ctx);
      await tool.run("append", { path: "log.txt", content: "2\n" }, ctx);
      assert.equal(await readFile(join(root, "log.txt"), "utf8"), "1\n2\n");
      assert.deepEqual((await tool.run("list", {}, ctx)).output, ["log.txt", "src/"]);
      assert.deepEqual((await tool.run("list", { path: "src", recursive: true }, ctx)).output, [
        "src/a.py",
        "src/b.py",
      ]);
    });
  });

  it("refuses `..`, absolute paths and symlinks out of the root, for every action, changing nothing", async () => {
    await withTempDir(async (dir) => {
      const root = await setup(dir);
      await symlink(join(dir, "secret.txt"), join(root, "link.txt"));
      await symlink(dir, join(root, "escape"));
      await symlink(join(root, "src", "a.py"), join(root, "inner-link.py"));
      const tool = filesystemTool(root);
      const refused = (pattern: RegExp) => (e: unknown) =>
        e instanceof PathEscapeError && e.permanent && pattern.test(e.message);
      await assert.rejects(
        tool.run("read", { path: "../secret.txt" }, ctx),
        refused(/"\.\.\/secret\.txt" leaves the tool root/),
      );
      await assert.rejects(tool.run("read", { path: "src/../../secret.txt" }, ctx), refused(/leaves the tool root/));
      await assert.rejects(
        tool.run("read", { path: "/etc/passwd" }, ctx),
        refused(/"\/etc\/passwd" is an absolute path/),
      );
      await assert.rejects(
        tool.run("read", { path: "link.txt" }, ctx),
        refused(/resolves through a symlink to .*secret\.txt, outside the tool root/),
      );
      await assert.rejects(
        tool.run("read", { path: ["src/a.py", "escape/secret.txt"] }, ctx),
        refused(/outside the tool root/),
      );
      await assert.rejects(
        tool.run("write", { path: "../evil.txt", content: "x" }, ctx),
        refused(/leaves the tool root/),
      );
      await assert.rejects(
        tool.run("write", { path: "escape/new/evil.txt", content: "x" }, ctx),
        refused(/outside the tool root/),
      );
      await assert.rejects(
        tool.run("append", { path: "link.txt", content: "x" }, ctx),
        refused(/outside the tool root/),
      );
      await assert.rejects(tool.run("list", { path: "escape" }, ctx), refused(/outside the tool root/));
      await assert.rejects(
        tool.run("write", { content: "x" }, { ...ctx, handlerConfig: { output_path: "/tmp/evil" } }),
        refused(/absolute/),
      );
      assert.equal(await readFile(join(dir, "secret.txt"), "utf8"), "outside");
      assert.deepEqual((await readdir(dir)).sort(), ["root", "secret.txt"]);
      assert.equal(
        (await tool.run("read", { path: "inner-link.py" }, ctx)).output,
        "A\n",
        "symlinks inside the root are fine",
      );
    });
  });
});

describe("tool-filesystem errors", () => {
  it("a name too long (ENAMETOOLONG) is a permanent error, not a retry", async () => {
    await withTempDir(async (dir) => {
      const tool = filesystemTool(await setup(dir));
      for (const action of ["write", "append", "read"] as const) {
        await assert.rejects(
          tool.run(action, { path: `out/${"n".repeat(300)}.md`, content: "x" }, ctx),
          (e: unknown) =>
            e instanceof ToolError && e.permanent && /name too long|ENAMETOOLONG|does not exist/i.test(e.message),
          action,
        );
      }
    });
  });

  it("a file where a folder is expected is permanent too", async () => {
    await withTempDir(async (dir) => {
      const tool = filesystemTool(await setup(dir));
      await assert.rejects(
        tool.run("write", { path: "src/a.py/inside.md", content: "x" }, ctx),
        (e: unknown) => e instanceof ToolError && e.permanent,
      );
    });
  });
});

describe("tool-filesystem root", () => {
  it("says clearly when the root does not exist", async () => {
    await withTempDir(async (dir) => {
      await assert.rejects(
        filesystemTool(join(dir, "nope")).run("read", { path: "a" }, ctx),
        (e: unknown) => e instanceof ToolError && e.permanent && /the tool root .*nope does not exist/.test(e.message),
      );
    });
  });
});
