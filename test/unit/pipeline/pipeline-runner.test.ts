/** Step semantics of the pipeline runner: outputs, conditions, retries, on_error, timeouts, aborts. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../shared/config/parse.ts";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { jsonLogger, silentLogger } from "../../../shared/logging/logger.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import type { Provider } from "../../../shared/providers/provider.ts";
import { jobFor, json, mapSecrets, signal, startServer, testEvent, type TestServer } from "./support.ts";

let server: TestServer;
const counters = new Map<string, number>();
before(async () => {
  server = await startServer((req, res) => {
    const n = (counters.get(req.url) ?? 0) + 1;
    counters.set(req.url, n);
    if (req.url.startsWith("/flaky"))
      return n === 1 ? json(res, 503, { error: "busy" }) : json(res, 200, { ok: true, n });
    if (req.url.startsWith("/down")) return json(res, 503, { error: "down" });
    if (req.url.startsWith("/missing")) return json(res, 404, { error: "nope" });
    if (req.url.startsWith("/hang")) return; // never answers
    return json(res, 200, { path: req.url });
  });
});
after(() => server.close());

function runnerFor(
  handlers: string,
  opts: {
    recipes?: Record<string, string>;
    providers?: Record<string, Provider>;
    extra?: string;
    logger?: typeof silentLogger;
  } = {},
) {
  const host = new URL(server.url).host;
  const cfg = parseConfig(
    parseYaml(`handlers:\n${handlers}\ntools:\n  tool-http:\n    allow_hosts: ["${host}"]\n${opts.extra ?? ""}`),
    { where: "test.yaml", env: {} },
  );
  return createPipelineRunner(cfg, {
    recipes: mapRecipeSource(opts.recipes ?? {}),
    secrets: mapSecrets({}),
    filesystemRoot: "/nonexistent",
    logger: opts.logger ?? silentLogger,
    providers: opts.providers,
    stepRetryDelayMs: 1,
  });
}

const hits = (path: string): number => counters.get(path) ?? 0;

describe("pipeline runner: outputs", () => {
  it("passes outputs by index, by `as:` and by `output:` name; output is the last step's", async () => {
    const runner = runnerFor(`
  h:
    steps:
      - prompt: "one {payload.x}"
        as: first
      - prompt: "two [{steps.0.output}]"
        output: second
      - prompt: "three [{first}] [{second}] [{response}]"
`);
    const outcome = await runner.run(jobFor(testEvent("manual", { x: "X" }), "h"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(outcome.actions_taken, ["prompt:echo", "prompt:echo", "prompt:echo"]);
    const one = "[echo model=echo]\none X";
    const two = `[echo model=echo]\ntwo [${one}]`;
    assert.equal(outcome.output, `[echo model=echo]\nthree [${one}] [${two}] [${two}]`);
  });

  it("supports the prompt shorthand, {last_run}, {event.*} and shortcuts", async () => {
    const runner = runnerFor(`
  weekly:
    prompt: "Summary of {repo} on {branch} since {last_run} ({event.type} {event.id})"
`);
    const event = testEvent("git_push", { repo: "octo/hello", branch: "main" }, "gh-1");
    const first = await runner.run(jobFor(event, "weekly"), { signal: signal() });
    assert.equal(first.output, "[echo model=echo]\nSummary of octo/hello on main since never (git_push gh-1)");
    const second = await runner.run(jobFor(event, "weekly"), {
      signal: signal(),
      lastRun: Date.parse("2026-01-01T00:00:00Z"),
    });
    assert.equal(
      second.output,
      "[echo model=echo]\nSummary of octo/hello on main since 2026-01-01T00:00:00.000Z (git_push gh-1)",
    );
  });

  it("uses a step's default for missing paths", async () => {
    const runner = runnerFor(`
  h:
    steps:
      - prompt: "v={payload.version}"
        default: "unknown"
`);
    const outcome = await runner.run(jobFor(testEvent("webhook", {}), "h"), { signal: signal() });
    assert.equal(outcome.output, "[echo model=echo]\nv=unknown");
  });

  it("refuses reserved output names and unknown providers, permanently (also when config checks were bypassed)", async () => {
    const raw = (handlers: string) =>
      createPipelineRunner(OrchestratorConfig.parse(parseYaml(`handlers:\n${handlers}`)), {
        recipes: mapRecipeSource({}),
        secrets: mapSecrets({}),
        filesystemRoot: "/nonexistent",
        logger: silentLogger,
      });
    const reserved = await raw(`
  h:
    steps:
      - prompt: "x"
        as: payload
`).run(jobFor(testEvent("manual", {}), "h"), { signal: signal() });
    assert.equal(reserved.success, false);
    assert.equal(reserved.permanent, true);
    assert.match(reserved.error!, /steps\[0\]: output name "payload" is reserved/);
    const unknown = await raw(`
  h:
    steps:
      - prompt: "x"
        provider: claude
`).run(jobFor(testEvent("manual", {}), "h"), { signal: signal() });
    assert.equal(unknown.permanent, true);
    assert.match(unknown.error!, /steps\[0\]: unknown provider "claude"; configured providers: echo/);
  });

  it("uses providers passed in deps (e.g. Bedrock) for a configured bedrock entry", async () => {
    const seen: string[] = [];
    const bedrock: Provider = {
      name: "bedrock",
      async complete(r) {
        seen.push(`${r.model}|${r.prompt}`);
        return { text: "from bedrock" };
      },
    };
    const runner = runnerFor(
      `
  h:
    provider: claude
    prompt: "hi {payload.who}"
`,
      {
        providers: { bedrock },
        extra: "default_provider: claude\nproviders:\n  claude:\n    kind: bedrock\n    model: anthropic.claude-x\n",
      },
    );
    const outcome = await runner.run(jobFor(testEvent("manual", { who: "you" }), "h"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.equal(outcome.output, "from bedrock");
    assert.deepEqual(seen, ["anthropic.claude-x|hi you"]);
    assert.deepEqual(outcome.actions_taken, ["prompt:bedrock"]);
  });

  it("reports an unknown handler as a permanent failure", async () => {
    const outcome = await runnerFor(`  h:\n    prompt: x\n`).run(jobFor(testEvent("manual", {}), "nope"), {
      signal: signal(),
    });
    assert.equal(outcome.success, false);
    assert.equal(outcome.permanent, true);
    assert.match(outcome.error!, /no handler named "nope"/);
  });
});

describe("pipeline runner: conditions", () => {
  it("skips steps whose condition is false and runs the others", async () => {
    const runner = runnerFor(`
  h:
    config:
      post_comment: false
      mode: strict
    steps:
      - prompt: "always"
      - prompt: "only when posting"
        condition: "{config.post_comment}"
      - prompt: "strict and opened"
        condition: "{config.mode} == 'strict' and {payload.action} == 'opened'"
      - prompt: "not posting"
        condition: "not {config.post_comment}"
`);
    const outcome = await runner.run(jobFor(testEvent("git_pr", { action: "opened" }), "h"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.equal(outcome.actions_taken.length, 3);
    assert.equal(outcome.output, "[echo model=echo]\nnot posting");
  });

  it("a skipped step's output is not available", async () => {
    const outcome = await runnerFor(`
  h:
    steps:
      - prompt: "a"
        condition: "false"
      - prompt: "{steps.0.output}"
`).run(jobFor(testEvent("manual", {}), "h"), { signal: signal() });
    assert.equal(outcome.success, false);
    assert.match(outcome.error!, /steps\[1\]\.prompt: \{steps\.0\.output\} is not available/);
  });
});

describe("pipeline runner: retry, on_error, timeout, abort", () => {
  it("retries a retryable failure and succeeds", async () => {
    const runner = runnerFor(`
  h:
    steps:
      - tool: tool-http
        action: request
        url: "${"{payload.base}"}/flaky-1"
        retry: { max_attempts: 3, backoff: fixed }
`);
    const outcome = await runner.run(jobFor(testEvent("manual", { base: server.url }), "h"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.equal(hits("/flaky-1"), 2);
    assert.deepEqual((outcome.output as { body: unknown }).body, { ok: true, n: 2 });
    assert.deepEqual(outcome.actions_taken, [`tool-http.request:GET ${new URL(server.url).host}/flaky-1`]);
  });

  it("stops after max_attempts with a retryable (not permanent) error", async () => {
    const outcome = await runnerFor(`
  h:
    steps:
      - tool: tool-http
        action: request
        url: "{payload.base}/down-1"
        retry: { max_attempts: 2 }
`).run(jobFor(testEvent("manual", { base: server.url }), "h"), { signal: signal() });
    assert.equal(outcome.success, false);
    assert.equal(outcome.permanent, undefined);
    assert.equal(hits("/down-1"), 2);
    assert.match(outcome.error!, /^steps\[0\]: tool-http: GET .*\/down-1: HTTP 503/);
  });

  it("does not retry a permanent failure (refused host)", async () => {
    const outcome = await runnerFor(`
  h:
    steps:
      - tool: tool-http
        action: request
        url: "http://example.invalid/x"
        retry: { max_attempts: 5 }
`).run(jobFor(testEvent("manual", {}), "h"), { signal: signal() });
    assert.equal(outcome.success, false);
    assert.equal(outcome.permanent, true);
    assert.match(outcome.error!, /host "example.invalid" is not in tools.tool-http.allow_hosts/);
  });

  it("on_error: continue records the error and goes on; skip_remaining stops with success", async () => {
    const runner = runnerFor(`
  cont:
    steps:
      - prompt: "first"
      - tool: tool-http
        action: request
        url: "{payload.base}/missing-1"
        on_error: continue
      - prompt: "after: {steps.1.error}"
  skip:
    steps:
      - prompt: "first"
      - tool: tool-http
        action: request
        url: "{payload.base}/missing-2"
        on_error: skip_remaining
      - prompt: "never"
`);
    const event = testEvent("manual", { base: server.url });
    const cont = await runner.run(jobFor(event, "cont"), { signal: signal() });
    assert.equal(cont.success, true, cont.error);
    assert.match(
      String(cont.output),
      /^\[echo model=echo\]\nafter: steps\[1\]: tool-http: GET .*\/missing-1: HTTP 404/,
    );
    const skip = await runner.run(jobFor(event, "skip"), { signal: signal() });
    assert.equal(skip.success, true, skip.error);
    assert.deepEqual(skip.actions_taken, ["prompt:echo"]);
    assert.equal(skip.output, "[echo model=echo]\nfirst");
  });

  it("on_error: fail (the default) stops the pipeline and keeps the actions taken so far", async () => {
    const outcome = await runnerFor(`
  h:
    steps:
      - prompt: "first"
      - prompt: "{payload.nope}"
      - prompt: "never"
`).run(jobFor(testEvent("manual", {}), "h"), { signal: signal() });
    assert.equal(outcome.success, false);
    assert.deepEqual(outcome.actions_taken, ["prompt:echo"]);
    assert.equal(outcome.output, "[echo model=echo]\nfirst");
  });

  it("times a step out after its `timeout` seconds", async () => {
    const outcome = await runnerFor(`
  h:
    steps:
      - tool: tool-http
        action: request
        url: "{payload.base}/hang-1"
        timeout: 1
`).run(jobFor(testEvent("manual", { base: server.url }), "h"), { signal: signal() });
    assert.equal(outcome.success, false);
    assert.equal(outcome.permanent, undefined);
    assert.equal(outcome.error, "steps[0]: timed out after 1s");
  });

  it("honours ctx.signal: an abort ends the in-flight request, not permanent", async () => {
    const controller = new AbortController();
    const runner = runnerFor(`
  h:
    steps:
      - tool: tool-http
        action: request
        url: "{payload.base}/hang-2"
`);
    const pending = runner.run(jobFor(testEvent("manual", { base: server.url }), "h"), { signal: controller.signal });
    while (hits("/hang-2") === 0) await new Promise((r) => setImmediate(r));
    controller.abort(new Error("handler timeout"));
    const outcome = await pending;
    assert.equal(outcome.success, false);
    assert.equal(outcome.permanent, undefined);
    assert.match(outcome.error!, /aborted/);
  });

  it("logs step progress as structured JSON", async () => {
    const lines: string[] = [];
    await runnerFor(`  h:\n    prompt: "x"\n`, { logger: jsonLogger((l) => lines.push(l)) }).run(
      jobFor(testEvent("manual", {}), "h"),
      { signal: signal() },
    );
    const finished = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === "step finished");
    assert.equal(finished?.handler, "h");
    assert.equal(finished?.action, "prompt:echo");
    assert.equal(finished?.job_id, "manual-1#h");
  });
});
