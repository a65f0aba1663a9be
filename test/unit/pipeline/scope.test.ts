/** What templates see: shortcuts, {changed_files} for file_change events, well-known outputs. */
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../shared/config/parse.ts";
import { fileChangeEvent } from "../../../shared/events/file-change-event.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { changedFiles, eventShortcuts } from "../../../shared/pipeline/scope.ts";
import { makeRepo } from "./git-repo.ts";
import { jobFor, mapSecrets, signal, testEvent, withTempDir } from "./support.ts";

describe("template scope", () => {
  it("makes file_change paths relative to the filesystem root, whether the watched root is relative or absolute", () => {
    const changes = [{ path: "pkg/a.py", kind: "modify" as const, hash: "h" }];
    const relative = fileChangeEvent({ source: "s", root: "./src/", changes, now: new Date() });
    assert.deepEqual(changedFiles(relative, "/cfg", "/cfg"), ["src/pkg/a.py"]);
    assert.deepEqual(changedFiles(relative, "/cfg", "/cfg/src"), ["pkg/a.py"]);
    const absolute = fileChangeEvent({ source: "s", root: "/cfg/src", changes, now: new Date() });
    assert.deepEqual(changedFiles(absolute, "/elsewhere", "/cfg"), ["src/pkg/a.py"]);
    assert.deepEqual(
      changedFiles(absolute, "/cfg", "/other"),
      ["/cfg/src/pkg/a.py"],
      "outside the root: absolute, so the tool refuses it clearly",
    );
    assert.deepEqual(eventShortcuts(relative, "/cfg", "/cfg").files, ["src/pkg/a.py"]);
  });

  it("takes repo, branch and files from the payload, repo falling back to repository.full_name", () => {
    assert.deepEqual(eventShortcuts(testEvent("git_push", { repo: "o/r", branch: "main", files: ["a"] }), "/", "/"), {
      repo: "o/r",
      branch: "main",
      files: ["a"],
      changed_files: ["a"],
    });
    assert.deepEqual(eventShortcuts(testEvent("custom", { repository: { full_name: "o/x" } }), "/", "/"), {
      repo: "o/x",
    });
  });
});

describe("well-known outputs and injected paths", () => {
  it("publishes {git_diff}, {git_log} and {file_content}", async () => {
    await withTempDir(async (dir) => {
      makeRepo(dir, [
        ["notes.txt", "one\n", "first"],
        ["notes.txt", "two\n", "second"],
      ]);
      const cfg = parseConfig(
        parseYaml(`
handlers:
  h:
    steps:
      - tool: tool-git-advanced
        action: diff
        base: HEAD~1
        head: HEAD
      - tool: tool-git-advanced
        action: log
      - tool: tool-filesystem
        action: read
        path: notes.txt
      - prompt: "diff<{git_diff}> log<{git_log}> file<{file_content}>"
`),
        { where: "t", env: {} },
      );
      const runner = createPipelineRunner(cfg, {
        recipes: mapRecipeSource({}),
        secrets: mapSecrets({}),
        filesystemRoot: dir,
        logger: silentLogger,
      });
      const outcome = await runner.run(jobFor(testEvent("manual", {}), "h"), { signal: signal() });
      assert.equal(outcome.success, true, outcome.error);
      assert.match(
        String(outcome.output),
        /diff<diff --git a\/notes\.txt b\/notes\.txt[\s\S]*-one\n\+two\n> log<[0-9a-f]+ \S+ Test Dev: second\n[0-9a-f]+ \S+ Test Dev: first> file<two\n>$/,
      );
    });
  });

  it("refuses a payload-supplied path that leaves the root, permanently, writing nothing", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "root"));
      await writeFile(join(dir, "secret.txt"), "s");
      const cfg = parseConfig(
        parseYaml(`
handlers:
  h:
    steps:
      - tool: tool-filesystem
        action: read
        path: "{payload.file}"
`),
        { where: "t", env: {} },
      );
      const runner = createPipelineRunner(cfg, {
        recipes: mapRecipeSource({}),
        secrets: mapSecrets({}),
        filesystemRoot: join(dir, "root"),
        logger: silentLogger,
      });
      for (const file of ["../secret.txt", "/etc/passwd", ["ok.txt", "../secret.txt"]]) {
        const outcome = await runner.run(jobFor(testEvent("webhook", { file }), "h"), { signal: signal() });
        assert.equal(outcome.success, false);
        assert.equal(outcome.permanent, true);
        assert.match(outcome.error!, /^steps\[0\]: tool-filesystem read: .*(leaves the tool root|is an absolute path)/);
      }
    });
  });
});

describe("handler config.output_path", () => {
  it("is the default write path, rendered as a template", async () => {
    await withTempDir(async (dir) => {
      const cfg = parseConfig(
        parseYaml(`
handlers:
  notes:
    config: { output_path: "releases/{payload.version}.md" }
    steps:
      - prompt: "Release {payload.version}"
      - tool: tool-filesystem
        action: write
`),
        { where: "t", env: {} },
      );
      const runner = createPipelineRunner(cfg, {
        recipes: mapRecipeSource({}),
        secrets: mapSecrets({}),
        filesystemRoot: dir,
        logger: silentLogger,
      });
      const outcome = await runner.run(jobFor(testEvent("webhook", { version: "1.2.3" }), "notes"), {
        signal: signal(),
      });
      assert.equal(outcome.success, true, outcome.error);
      assert.deepEqual(outcome.actions_taken, ["prompt:echo", "tool-filesystem.write:releases/1.2.3.md"]);
      assert.equal(await readFile(join(dir, "releases", "1.2.3.md"), "utf8"), "[echo model=echo]\nRelease 1.2.3");
    });
  });
});
