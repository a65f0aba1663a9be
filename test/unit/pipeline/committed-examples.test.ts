/**
 * The committed examples (examples/) run on this engine as written: the PR auto-review profile with
 * its recipe file, against a local GitHub API (the only change: tools.tool-github.base_url), and
 * the webhook integration file.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../../shared/config/load.ts";
import { normalizeGithubDelivery } from "../../../shared/events/github.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { createPipelineRunner } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { fileRecipeSource } from "../../../shared/node/file-recipe-source.ts";
import { githubExample } from "../../fixtures/github.ts";
import { jobFor, json, mapSecrets, signal, startServer, testEvent, type TestServer } from "./support.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";

const examples = fileURLToPath(new URL("../../../examples/", import.meta.url));

describe("committed examples", () => {
  let github: TestServer;
  before(async () => {
    github = await startServer((req, res) => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("diff --git a/app.js b/app.js\n+eval(userInput)\n");
      } else {
        json(res, 201, { id: 5, html_url: "https://github.test/c/5" });
      }
    });
  });
  after(() => github.close());

  it("the pr-reviewer-daemon profile reviews a real pull_request delivery and posts the comment", async () => {
    const loaded = await loadConfig({ files: nodeConfigFiles, profile: "pr-reviewer-daemon", cwd: examples, env: {} });
    const config = { ...loaded.config, tools: { ...loaded.config.tools, "tool-github": { base_url: github.url } } };
    const runner = createPipelineRunner(config, {
      recipes: fileRecipeSource(loaded.configDir),
      secrets: mapSecrets({}),
      filesystemRoot: loaded.configDir,
      logger: silentLogger,
    });
    const payload = githubExample("pull_request", "opened");
    const event = normalizeGithubDelivery({
      eventName: "pull_request",
      deliveryId: "ex-1",
      payload,
      receivedAt: new Date(),
      path: "/github",
    });
    const outcome = await runner.run(jobFor(event, "review-pr"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.equal(outcome.actions_taken[0], "recipe:recipes/pr-reviewer.yaml");
    assert.ok(outcome.actions_taken.includes("prompt:echo"), String(outcome.actions_taken));
    assert.ok(
      outcome.actions_taken.some((a) => a.startsWith("tool-github.post_pr_comment:")),
      String(outcome.actions_taken),
    );
    const posted = github.requests.find((r) => r.method === "POST");
    assert.ok(posted, "a comment was posted");
    const body = (JSON.parse(posted.body) as { body: string }).body;
    assert.match(body, /\[echo model=echo\]/);
    assert.match(body, /\+eval\(userInput\)/);
  });

  it("examples/webhook-integration.yaml renders the deployment prompt", async () => {
    const loaded = await loadConfig({
      files: nodeConfigFiles,
      configPath: "webhook-integration.yaml",
      cwd: examples,
      env: { WEBHOOK_SECRET: "s" },
    });
    const handler = Object.keys(loaded.config.handlers)[0]!;
    const runner = createPipelineRunner(loaded.config, {
      recipes: fileRecipeSource(loaded.configDir),
      secrets: mapSecrets({}),
      filesystemRoot: loaded.configDir,
      logger: silentLogger,
    });
    const outcome = await runner.run(
      jobFor(testEvent("webhook", { environment: "production", version: "1.2.3" }), handler),
      { signal: signal() },
    );
    assert.equal(outcome.success, true, outcome.error);
    assert.match(String(outcome.output), /^\[echo model=echo\]\n[\s\S]*Environment: production[\s\S]*Version: 1\.2\.3/);
  });
});
