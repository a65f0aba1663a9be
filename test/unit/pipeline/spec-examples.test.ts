/**
 * The spec's four example pipelines, run end to end with the echo provider: webhook integration,
 * file watcher for docs, scheduled reports (real git repo, local Slack webhook), PR auto-review
 * (recipe from the config folder, local GitHub API).
 */
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../shared/config/parse.ts";
import { fileChangeEvent } from "../../../shared/events/file-change-event.ts";
import { normalizeGithubDelivery } from "../../../shared/events/github.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { scheduleEvent } from "../../../shared/events/schedule-event.ts";
import { githubExample } from "../../fixtures/github.ts";
import { makeRepo } from "./git-repo.ts";
import { jobFor, json, mapSecrets, signal, startServer, testEvent, withTempDir, type TestServer } from "./support.ts";
import { fileRecipeSource } from "../../../shared/node/file-recipe-source.ts";

function config(yamlText: string, env: Record<string, string> = {}) {
  return parseConfig(parseYaml(yamlText), { where: "test.yaml", env });
}

describe("spec example: webhook integration", () => {
  const cfg = config(`
sources:
  - type: webhook
    path: /hooks/deploy
    secret: \${WEBHOOK_SECRET}
    handler: on-deploy
handlers:
  on-deploy:
    steps:
      - prompt: |
          Deployment completed:
          - Environment: {payload.environment}
          - Version: {payload.version}

          Generate release notes and update changelog.
`);
  const runner = createPipelineRunner(cfg, {
    recipes: mapRecipeSource({}),
    secrets: mapSecrets({}),
    filesystemRoot: "/nonexistent",
    logger: silentLogger,
  });

  it("renders the prompt through the echo provider", async () => {
    const event = testEvent("webhook", { environment: "production", version: "1.2.3" });
    const outcome = await runner.run(jobFor(event, "on-deploy"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(outcome.actions_taken, ["prompt:echo"]);
    assert.equal(
      outcome.output,
      "[echo model=echo]\nDeployment completed:\n- Environment: production\n- Version: 1.2.3\n\nGenerate release notes and update changelog.\n",
    );
  });

  it("keeps injection attempts in the payload literal", async () => {
    const event = testEvent("webhook", {
      environment: "{env.HOME} {steps.0.output} {config.secret}",
      version: "${HOME} $(id)",
    });
    const outcome = await runner.run(jobFor(event, "on-deploy"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.match(
      String(outcome.output),
      /- Environment: \{env\.HOME\} \{steps\.0\.output\} \{config\.secret\}\n- Version: \$\{HOME\} \$\(id\)\n/,
    );
  });

  it("fails permanently, naming the path and the step, when the payload lacks a field", async () => {
    const outcome = await runner.run(jobFor(testEvent("webhook", { environment: "production" }), "on-deploy"), {
      signal: signal(),
    });
    assert.equal(outcome.success, false);
    assert.equal(outcome.permanent, true);
    assert.equal(outcome.error, "steps[0].prompt: {payload.version} is not in the event");
    assert.deepEqual(outcome.actions_taken, []);
  });
});

describe("spec example: file watcher for docs", () => {
  it("reads the changed files, prompts with their content, and writes the answer", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "src"));
      await writeFile(join(dir, "src", "calculator.py"), "def add(a, b):\n    return a + b\n");
      await writeFile(join(dir, "src", "util.py"), "X = 1\n");
      const cfg = config(`
sources:
  - type: file_change
    path: "./src/"
    pattern: "**/*.py"
    events: [modify, create]
    debounce_ms: 2000
    handler: update-docs
handlers:
  update-docs:
    steps:
      - tool: tool-filesystem
        action: read
        path: "{changed_files}"

      - prompt: |
          These files were modified:
          {files_content}

          Update the corresponding documentation in ./docs/
          to reflect any API changes.

      - tool: tool-filesystem
        action: write
`);
      const runner = createPipelineRunner(cfg, {
        recipes: fileRecipeSource(dir),
        secrets: mapSecrets({}),
        filesystemRoot: dir,
        logger: silentLogger,
      });
      const event = fileChangeEvent({
        source: "update-docs-file_change-0",
        root: join(dir, "src"),
        changes: [
          { path: "calculator.py", kind: "modify", hash: "h1" },
          { path: "util.py", kind: "create", hash: "h2" },
        ],
        now: new Date("2026-01-05T09:00:00Z"),
      });
      const outcome = await runner.run(jobFor(event, "update-docs"), { signal: signal() });
      assert.equal(outcome.success, true, outcome.error);
      assert.deepEqual(outcome.actions_taken, [
        "tool-filesystem.read:src/calculator.py,src/util.py",
        "prompt:echo",
        "tool-filesystem.write:update-docs.out.md",
      ]);
      const written = await readFile(join(dir, "update-docs.out.md"), "utf8");
      assert.equal(
        written,
        "[echo model=echo]\nThese files were modified:\n--- src/calculator.py ---\ndef add(a, b):\n    return a + b\n\n\n--- src/util.py ---\nX = 1\n\n\nUpdate the corresponding documentation in ./docs/\nto reflect any API changes.\n",
      );
      assert.deepEqual(outcome.output, { path: "update-docs.out.md", bytes: Buffer.byteLength(written) });
    });
  });
});

describe("spec example: scheduled reports", () => {
  let slack: TestServer;
  before(async () => {
    slack = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  after(() => slack.close());

  it("summarizes the git log and posts it to Slack", async () => {
    await withTempDir(async (dir) => {
      makeRepo(dir, [
        ["a.txt", "1", "Add the parser"],
        ["b.txt", "2", "Fix the scheduler"],
      ]);
      const cfg = config(`
sources:
  - type: schedule
    cron: "0 9 * * MON"
    handler: weekly-summary
handlers:
  weekly-summary:
    steps:
      - tool: tool-git-advanced
        action: log
        since: "1 week ago"

      - prompt: |
          Generate a weekly summary for the team:

          Commits: {git_log}

          Include:
          - Key changes
          - Notable PRs merged
          - Upcoming work

      - tool: tool-slack
        action: post
        channel: "#team-updates"
        message: "{summary}"
tools:
  tool-slack:
    webhook_url: \${SLACK_WEBHOOK_URL}
`);
      const runner = createPipelineRunner(cfg, {
        recipes: fileRecipeSource(dir),
        secrets: mapSecrets({ SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/x` }),
        filesystemRoot: dir,
        logger: silentLogger,
      });
      const event = scheduleEvent("weekly-summary-schedule-0", new Date());
      const outcome = await runner.run(jobFor(event, "weekly-summary"), {
        signal: signal(),
        lastRun: Date.parse("2026-01-01T09:00:00Z"),
      });
      assert.equal(outcome.success, true, outcome.error);
      assert.deepEqual(outcome.actions_taken, [
        "tool-git-advanced.log:since 1 week ago",
        "prompt:echo",
        "tool-slack.post:#team-updates",
      ]);
      assert.equal(slack.requests.length, 1);
      const sent = slack.requests[0]!;
      assert.equal(sent.method, "POST");
      assert.equal(sent.url, "/services/T0/B0/x");
      assert.equal(sent.headers["content-type"], "application/json");
      const body = JSON.parse(sent.body) as { text: string; channel: string };
      assert.equal(body.channel, "#team-updates");
      assert.match(
        body.text,
        /^\[echo model=echo\]\nGenerate a weekly summary for the team:\n\nCommits: [0-9a-f]+ \d{4}-\d\d-\d\d Test Dev: Fix the scheduler\n[0-9a-f]+ \d{4}-\d\d-\d\d Test Dev: Add the parser\n/,
      );
    });
  });
});

describe("spec example: PR auto-review", () => {
  let github: TestServer;
  before(async () => {
    github = await startServer((req, res) => {
      if (req.method === "GET" && /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+$/.test(req.url)) {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("diff --git a/x b/x\n+secret = 'hunter2'\n");
      } else if (req.method === "POST" && /\/issues\/\d+\/comments$/.test(req.url)) {
        json(res, 201, { id: 99, html_url: "https://github.test/c/99" });
      } else {
        json(res, 404, { message: "Not Found" });
      }
    });
  });
  after(() => github.close());

  const recipe = `
name: pr-reviewer
description: Review a pull request
context:
  focus: security
steps:
  - id: fetch-diff
    tool: tool-github
    action: get_pr_diff
    timeout: 30
  - id: review
    prompt: |
      Review PR #{payload.number} in {repo}: {payload.pull_request.title}
      Focus: {focus}
      {pr_diff}
    output: review
    retry: { max_attempts: 2, backoff: exponential }
  - id: post
    condition: "{config.post_comment}"
    tool: tool-github
    action: post_pr_comment
    body: "### Automated review\\n\\n{review}"
`;

  function profileConfig(postComment: boolean) {
    const front = parseYaml(`
session:
  orchestrator:
    module: loop-event-driven
    config:
      mode: daemon
      sources:
        - type: git_pr
          events: [opened, synchronize]
          handler: review-pr
      handlers:
        review-pr:
          recipe: recipes/pr-reviewer
          config:
            post_comment: ${postComment}
            require_approval: false
      tools:
        tool-github:
          base_url: ${github.url}
          token: \${GITHUB_TOKEN}
`) as { session: { orchestrator: { config: unknown } } };
    return parseConfig(front.session.orchestrator.config, { where: "pr-reviewer-daemon.md", env: {} });
  }

  it("fetches the diff, reviews it and posts the review as a comment", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "recipes"));
      await writeFile(join(dir, "recipes", "pr-reviewer.yaml"), recipe);
      const runner = createPipelineRunner(profileConfig(true), {
        recipes: fileRecipeSource(dir),
        secrets: mapSecrets({ GITHUB_TOKEN: "ghp_test" }),
        filesystemRoot: dir,
        logger: silentLogger,
      });
      const payload = githubExample("pull_request", "opened");
      const event = normalizeGithubDelivery({
        eventName: "pull_request",
        deliveryId: "d-1",
        payload,
        receivedAt: new Date(),
        path: "/github",
      });
      const before = github.requests.length;
      const outcome = await runner.run(jobFor(event, "review-pr"), { signal: signal() });
      assert.equal(outcome.success, true, outcome.error);
      const repo = (payload.repository as { full_name: string }).full_name;
      const number = payload.number as number;
      assert.deepEqual(outcome.actions_taken, [
        "recipe:recipes/pr-reviewer.yaml",
        `tool-github.get_pr_diff:${repo}#${number}`,
        "prompt:echo",
        `tool-github.post_pr_comment:${repo}#${number}`,
      ]);
      const [get, post] = github.requests.slice(before);
      assert.equal(get!.url, `/repos/${repo}/pulls/${number}`);
      assert.equal(get!.headers.accept, "application/vnd.github.diff");
      assert.equal(get!.headers.authorization, "Bearer ghp_test");
      const comment = JSON.parse(post!.body) as { body: string };
      assert.match(
        comment.body,
        /^### Automated review\n\n\[echo model=echo\]\nReview PR #\d+ in [^:]+: .+\nFocus: security\ndiff --git a\/x b\/x\n\+secret = 'hunter2'\n/,
      );
      assert.deepEqual(outcome.output, { id: 99, url: "https://github.test/c/99", updated: false });
    });
  });

  it("skips the comment when config.post_comment is false", async () => {
    const runner = createPipelineRunner(profileConfig(false), {
      recipes: mapRecipeSource({ "recipes/pr-reviewer.yaml": recipe }),
      secrets: mapSecrets({ GITHUB_TOKEN: "ghp_test" }),
      filesystemRoot: "/nonexistent",
      logger: silentLogger,
    });
    const event = normalizeGithubDelivery({
      eventName: "pull_request",
      deliveryId: "d-2",
      payload: githubExample("pull_request", "opened"),
      receivedAt: new Date(),
      path: "/github",
    });
    const outcome = await runner.run(jobFor(event, "review-pr"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.equal(outcome.actions_taken.length, 3);
    assert.match(String(outcome.output), /^\[echo model=echo\]\nReview PR/);
  });
});
