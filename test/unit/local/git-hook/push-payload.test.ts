import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  GitHookError,
  parsePrePushInput,
  pushPayloads,
  repoFullName,
  ZERO_SHA,
} from "../../../../local/git-hook/push-payload.ts";
import { HOOK_MARKER, installPrePushHook } from "../../../../local/git-hook/install.ts";

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function git(repo: string, ...args: string[]): string {
  return execFileSync("git", ["-C", repo, ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "T",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "T",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  }).trim();
}

async function repoWithCommits(): Promise<{ repo: string; first: string; second: string }> {
  const repo = await mkdtemp(join(tmpdir(), "evd-git-"));
  dirs.push(repo);
  git(repo, "init", "-q", "-b", "main");
  await writeFile(join(repo, "a.txt"), "a");
  await writeFile(join(repo, "gone.txt"), "x");
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "first");
  const first = git(repo, "rev-parse", "HEAD");
  await writeFile(join(repo, "a.txt"), "a2");
  await writeFile(join(repo, "b.txt"), "b");
  git(repo, "rm", "-q", "gone.txt");
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "second");
  return { repo, first, second: git(repo, "rev-parse", "HEAD") };
}

describe("git pre-push payloads", () => {
  it("parses pre-push stdin and refuses a malformed line", () => {
    const sha = "a".repeat(40);
    assert.deepEqual(parsePrePushInput(`refs/heads/main ${sha} refs/heads/main ${ZERO_SHA}\n`), [
      { localRef: "refs/heads/main", localSha: sha, remoteRef: "refs/heads/main", remoteSha: ZERO_SHA },
    ]);
    assert.throws(() => parsePrePushInput("refs/heads/main nope"), GitHookError);
  });

  it("builds a GitHub-like push payload with the commits and changed files", async () => {
    const { repo, first, second } = await repoWithCommits();
    const [p] = pushPayloads({
      repo,
      updates: [{ localRef: "refs/heads/main", localSha: second, remoteRef: "refs/heads/main", remoteSha: first }],
      remoteUrl: "git@github.com:octo/hello.git",
    });
    assert.equal(p!.ref, "refs/heads/main");
    assert.equal(p!.before, first);
    assert.equal(p!.after, second);
    assert.deepEqual((p!.repository as { full_name: string }).full_name, "octo/hello");
    const commits = p!.commits as {
      id: string;
      message: string;
      added: string[];
      modified: string[];
      removed: string[];
    }[];
    assert.equal(commits.length, 1);
    assert.deepEqual([commits[0]!.id, commits[0]!.message], [second, "second"]);
    assert.deepEqual(commits[0]!.added, ["b.txt"]);
    assert.deepEqual(commits[0]!.modified, ["a.txt"]);
    assert.deepEqual(commits[0]!.removed, ["gone.txt"]);
    assert.deepEqual(p!.files, ["a.txt", "b.txt", "gone.txt"]);
  });

  it("lists every commit of a new branch", async () => {
    const { repo, second } = await repoWithCommits();
    const [p] = pushPayloads({
      repo,
      updates: [{ localRef: "refs/heads/main", localSha: second, remoteRef: "refs/heads/main", remoteSha: ZERO_SHA }],
    });
    assert.equal(p!.created, true);
    assert.equal((p!.commits as unknown[]).length, 2);
    assert.match(String((p!.repository as { full_name: string }).full_name), /^local\/evd-git-/);
  });

  it("names repositories from remote URLs", () => {
    assert.equal(repoFullName("/x/y", "https://github.com/octo/hello.git"), "octo/hello");
    assert.equal(repoFullName("/x/y", "/srv/git/team/app.git"), "team/app");
    assert.equal(repoFullName("/x/y"), "local/y");
  });

  it("installs an executable pre-push hook and refuses to replace a foreign one", async () => {
    const { repo } = await repoWithCommits();
    const file = installPrePushHook({ repo, configPath: "/cfg/evd.yaml", node: process.execPath, bin: "/evd/bin.mjs" });
    const text = await readFile(file, "utf8");
    assert.ok(text.includes(HOOK_MARKER));
    assert.ok(text.includes("git-hook report"));
    assert.ok(text.trimEnd().endsWith("exit 0"));
    assert.equal((await stat(file)).mode & 0o111, 0o111);
    installPrePushHook({ repo, configPath: "/cfg/evd.yaml", node: process.execPath, bin: "/evd/bin.mjs" });
    await writeFile(file, "#!/bin/sh\necho mine\n");
    assert.throws(
      () => installPrePushHook({ repo, configPath: "/cfg/evd.yaml", node: process.execPath, bin: "/evd/bin.mjs" }),
      /not installed by evd/,
    );
    assert.throws(() => installPrePushHook({ repo: tmpdir(), configPath: "c", node: "n", bin: "b" }), GitHookError);
  });
});
