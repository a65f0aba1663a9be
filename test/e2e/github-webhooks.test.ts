/**
 * Real GitHub payloads (@octokit/webhooks-examples), signed as GitHub signs them, posted to the
 * daemon started as a user starts it: the right handlers run, a wrong signature gets 401, a
 * redelivery runs nothing twice; and a local `git push` through the installed hook runs the push
 * handler too.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { githubExample, signedGithubDelivery } from "../fixtures/github.ts";
import {
  history,
  post,
  runCli,
  startDaemonProcess,
  tempDir,
  waitFor,
  writeConfig,
  type DaemonProcess,
} from "./helpers/daemon-process.ts";

const SECRET = "e2e-github-secret";

const CONFIG = `
sources:
  - type: git_push
    handler: on-push
  - type: git_pr
    events: [opened, synchronize]
    handler: on-pr
handlers:
  on-push:
    steps:
      - tool: tool-filesystem
        action: append
        path: effects/push.log
        content: "{event.id} {payload.branch} {payload.repo}\\n"
  on-pr:
    steps:
      - tool: tool-filesystem
        action: append
        path: effects/pr.log
        content: "{event.id} {payload.action} {payload.number}\\n"
webhook_port: 0
state_file: state/event-state.json
`;

async function lines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "E2E",
      GIT_AUTHOR_EMAIL: "e2e@example.com",
      GIT_COMMITTER_NAME: "E2E",
      GIT_COMMITTER_EMAIL: "e2e@example.com",
    },
  });
}

describe("e2e: GitHub webhooks and local git pushes", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let daemon: DaemonProcess;
  let configPath = "";

  before(async () => {
    tmp = await tempDir("github");
    configPath = await writeConfig(tmp.dir, "evd.yaml", CONFIG);
    daemon = await startDaemonProcess({ configPath, env: { GITHUB_WEBHOOK_SECRET: SECRET } });
  });
  after(async () => {
    await daemon?.stop();
    await tmp.cleanup();
  });

  it("routes push and pull_request (opened, synchronize) to their handlers, refuses bad signatures, runs a redelivery once", async () => {
    const url = `${daemon.url}/github`;
    const push = signedGithubDelivery({ event: "push", payload: githubExample("push"), secret: SECRET });
    const opened = signedGithubDelivery({
      event: "pull_request",
      payload: githubExample("pull_request", "opened"),
      secret: SECRET,
    });
    const sync = signedGithubDelivery({
      event: "pull_request",
      payload: githubExample("pull_request", "synchronize"),
      secret: SECRET,
    });
    const closed = signedGithubDelivery({
      event: "pull_request",
      payload: githubExample("pull_request", "closed"),
      secret: SECRET,
    });
    const forged = signedGithubDelivery({ event: "push", payload: githubExample("push"), secret: "not-the-secret" });

    const r1 = await post(url, push.body, push.headers);
    assert.equal(r1.status, 202);
    assert.deepEqual(r1.body, {
      status: "accepted",
      event_id: `github:/github:${push.deliveryId}`,
      jobs: [`github:/github:${push.deliveryId}#on-push`],
    });
    const r2 = await post(url, opened.body, opened.headers);
    assert.equal(r2.status, 202);
    assert.deepEqual(r2.body.jobs, [`github:/github:${opened.deliveryId}#on-pr`]);
    assert.equal((await post(url, sync.body, sync.headers)).status, 202);
    const r4 = await post(url, closed.body, closed.headers);
    assert.equal(r4.status, 200);
    assert.equal(r4.body.status, "ignored");
    const r5 = await post(url, forged.body, forged.headers);
    assert.equal(r5.status, 401);
    assert.equal(typeof r5.body.error, "string");
    assert.equal(typeof r5.body.message, "string");
    // GitHub redelivers with the same X-GitHub-Delivery.
    const again = await post(url, push.body, push.headers);
    assert.equal(again.status, 202);
    assert.equal(again.body.status, "duplicate");

    await waitFor(
      async () => (await history(daemon)).filter((h) => h.status === "succeeded").length >= 3,
      "three successful runs",
    );
    // Give a wrongly duplicated run the time to show up before counting side effects.
    await new Promise((r) => setTimeout(r, 500));
    const pushes = await lines(join(tmp.dir, "effects/push.log"));
    assert.deepEqual(pushes, [`github:/github:${push.deliveryId} master Codertocat/Hello-World`]);
    const prs = await lines(join(tmp.dir, "effects/pr.log"));
    assert.deepEqual(
      prs.map((l) => l.split(" ").slice(0, 2).join(" ")).sort(),
      [`github:/github:${opened.deliveryId} opened`, `github:/github:${sync.deliveryId} synchronize`].sort(),
    );
    const runs = await history(daemon);
    assert.equal(runs.length, 3);
    assert.ok(runs.every((r) => r.success));
    assert.deepEqual(runs.map((r) => r.handler).sort(), ["on-pr", "on-pr", "on-push"]);
  });

  it("reports a local git push through the installed pre-push hook as a git_push event", async () => {
    const remote = join(tmp.dir, "remote.git");
    const work = join(tmp.dir, "work");
    await mkdir(work);
    git(tmp.dir, "init", "-q", "--bare", remote);
    git(work, "init", "-q", "-b", "main");
    git(work, "remote", "add", "origin", remote);
    await writeFile(join(work, "README.md"), "hello\n");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "first commit");

    const install = await runCli(["git-hook", "install", "--repo", work, "--config", configPath]);
    assert.equal(install.code, 0, install.stderr);
    assert.match(install.stdout, /installed .*pre-push/);

    const before = (await lines(join(tmp.dir, "effects/push.log"))).length;
    execFileSync("git", ["push", "-q", "origin", "main"], {
      cwd: work,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const after = await waitFor(async () => {
      const l = await lines(join(tmp.dir, "effects/push.log"));
      return l.length > before ? l : undefined;
    }, "the push handler to run for the local push");
    // The repository is named after the remote URL's last two segments, as for GitHub URLs.
    assert.match(after.at(-1)!, /^git-push:[0-9a-f]+ main [^/\s]+\/remote$/);
  });

  it("never blocks a push when the daemon is down", async () => {
    const work = join(tmp.dir, "work");
    await daemon.stop();
    await writeFile(join(work, "more.md"), "more\n");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "second commit");
    try {
      execFileSync("git", ["push", "-q", "origin", "main"], {
        cwd: work,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (err) {
      assert.fail(`git push failed with the daemon down: ${(err as { stderr?: string }).stderr}`);
    }
    assert.equal(git(work, "rev-parse", "HEAD").trim(), git(join(tmp.dir, "remote.git"), "rev-parse", "main").trim());
  });
});
