import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig } from "../../../shared/config/parse.ts";

const minimal = (extra: Record<string, unknown> = {}) => ({
  sources: [{ type: "manual", handler: "h" }],
  handlers: { h: { prompt: "hello" } },
  ...extra,
});

function problems(input: unknown, env: Record<string, string> = {}): { path: string; message: string }[] {
  try {
    parseConfig(input, { where: "test.yaml", env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.name, "ConfigError");
    return err.issues.map(({ path, message }) => ({ path, message }));
  }
  assert.fail("expected the config to be rejected");
}

function problemAt(list: { path: string; message: string }[], path: string): string {
  const found = list.find((p) => p.path === path);
  assert.ok(found, `no problem at ${path}; got:\n${list.map((p) => `${p.path}: ${p.message}`).join("\n")}`);
  return found.message;
}

describe("parseConfig: defaults", () => {
  it("applies the documented defaults in one pass", () => {
    const cfg = parseConfig(minimal(), { where: "t", env: {} });
    assert.equal(cfg.mode, "daemon");
    assert.equal(cfg.queue_overflow, "queue");
    assert.equal(cfg.max_concurrent_handlers, 3);
    assert.equal(cfg.webhook_port, 8080);
    assert.equal(cfg.state_file, ".amplifier/event-state.json");
    assert.equal(cfg.persist_last_run, true);
    assert.deepEqual(cfg.retry, {
      max_attempts: 3,
      backoff: "exponential",
      initial_delay_ms: 1000,
      max_delay_ms: 60000,
    });
    assert.equal(cfg.handlers.h?.timeout_ms, 300_000);
  });

  it("gives GitHub sources the /github path and the GITHUB_WEBHOOK_SECRET reference", () => {
    const cfg = parseConfig(
      { sources: [{ type: "git_pr", handler: "h" }], handlers: { h: { prompt: "x" } } },
      { where: "t", env: {} },
    );
    const src = cfg.sources[0];
    assert.ok(src?.type === "git_pr");
    assert.equal(src.path, "/github");
    assert.equal(src.secret, "${GITHUB_WEBHOOK_SECRET}");
    assert.deepEqual(src.events, ["opened", "synchronize", "reopened"]);
  });

  it("accepts a config that is already parsed (idempotent)", () => {
    const once = parseConfig(minimal({ sources: [{ type: "schedule", cron: "0 9 * * MON", handler: "h" }] }), {
      where: "t",
      env: {},
    });
    assert.deepEqual(parseConfig(once, { where: "t", env: {} }), once);
  });
});

describe("parseConfig: ${VAR} interpolation", () => {
  it("replaces a variable that is set", () => {
    const cfg = parseConfig(
      minimal({ webhook_host: "${HOST}", handlers: { h: { prompt: "deploy to ${STAGE} now" } } }),
      { where: "t", env: { HOST: "0.0.0.0", STAGE: "prod" } },
    );
    assert.equal(cfg.webhook_host, "0.0.0.0");
    assert.equal(cfg.handlers.h?.prompt, "deploy to prod now");
  });

  it("uses ${VAR:-default} when the variable is unset or empty, the value when set", () => {
    const input = minimal({ webhook_host: "${HOST:-127.0.0.2}" });
    assert.equal(parseConfig(input, { where: "t", env: {} }).webhook_host, "127.0.0.2");
    assert.equal(parseConfig(input, { where: "t", env: { HOST: "" } }).webhook_host, "127.0.0.2");
    assert.equal(parseConfig(input, { where: "t", env: { HOST: "10.0.0.1" } }).webhook_host, "10.0.0.1");
  });

  it("reports a missing variable by name and key path", () => {
    const list = problems(minimal({ handlers: { h: { steps: [{ prompt: "x ${NOT_SET_ANYWHERE} y" }] } } }));
    const message = problemAt(list, "handlers.h.steps[0].prompt");
    assert.match(message, /NOT_SET_ANYWHERE is not set/);
  });

  it("keeps ${NAME} in secret-bearing keys as a reference, set or not", () => {
    const input = {
      sources: [{ type: "webhook", path: "/hooks/deploy", secret: "${WEBHOOK_SECRET}", handler: "h" }],
      handlers: { h: { prompt: "x" } },
      providers: { claude: { kind: "anthropic", api_key: "${ANTHROPIC_API_KEY}" } },
      tools: { "tool-github": { token: "${GITHUB_TOKEN}" }, "tool-slack": { webhook_url: "${SLACK_URL}" } },
    };
    for (const env of [
      {},
      { WEBHOOK_SECRET: "s3cret", ANTHROPIC_API_KEY: "k", GITHUB_TOKEN: "t", SLACK_URL: "https://x" },
    ]) {
      const cfg = parseConfig(input, { where: "t", env });
      const src = cfg.sources[0];
      assert.ok(src?.type === "webhook");
      assert.equal(src.secret, "${WEBHOOK_SECRET}");
      assert.equal(cfg.providers.claude?.api_key, "${ANTHROPIC_API_KEY}");
      assert.equal(cfg.tools["tool-github"]?.token, "${GITHUB_TOKEN}");
      assert.equal(cfg.tools["tool-slack"]?.webhook_url, "${SLACK_URL}");
    }
  });

  it("interpolates a secret written with a default (it is not a bare reference)", () => {
    const input = {
      sources: [{ type: "webhook", path: "/h", secret: "${QS_SECRET:-dev-secret}", handler: "h" }],
      handlers: { h: { prompt: "x" } },
    };
    const src = parseConfig(input, { where: "t", env: {} }).sources[0];
    assert.ok(src?.type === "webhook");
    assert.equal(src.secret, "dev-secret");
  });

  it("writes a literal ${ for $${ and reports malformed references", () => {
    const cfg = parseConfig(minimal({ handlers: { h: { prompt: "price: $${AMOUNT}" } } }), {
      where: "t",
      env: { AMOUNT: "no" },
    });
    assert.equal(cfg.handlers.h?.prompt, "price: ${AMOUNT}");
    assert.match(problemAt(problems(minimal({ webhook_host: "${not valid}" })), "webhook_host"), /malformed reference/);
    assert.match(problemAt(problems(minimal({ webhook_host: "x ${OPEN" })), "webhook_host"), /unterminated/);
  });

  it("reads a whole ${VAR} as a number or boolean where the schema wants one, and only there", () => {
    const cfg = parseConfig(
      minimal({ webhook_port: "${PORT}", persist_last_run: "${PERSIST:-false}", handlers: { h: { prompt: "${N}" } } }),
      { where: "t", env: { PORT: "9090", N: "42" } },
    );
    assert.equal(cfg.webhook_port, 9090);
    assert.equal(cfg.persist_last_run, false);
    assert.equal(cfg.handlers.h?.prompt, "42");
    assert.match(
      problemAt(problems(minimal({ webhook_port: "${PORT}" }), { PORT: "eighty" }), "webhook_port"),
      /expected a number, found string "eighty"/,
    );
    assert.match(
      problemAt(problems(minimal({ webhook_port: "80${PORT}" }), { PORT: "80" }), "webhook_port"),
      /expected a number/,
    );
  });

  it("never reads the process environment", () => {
    assert.ok(process.env.PATH !== undefined);
    assert.match(problemAt(problems(minimal({ webhook_host: "${PATH}" })), "webhook_host"), /PATH is not set/);
  });
});

describe("parseConfig: every problem, with its key path", () => {
  it("lists several problems at once, each with path, expectation and what was found", () => {
    const list = problems({
      sources: [
        { type: "schedule", cron: "0 9 * * MON", handler: "weekly", timezone: "Mars/Olympus" },
        { type: "filechange", handler: "weekly" },
        { type: "webhook", path: "/hooks/a", handler: "weekly", secret: "${S}", debounce: 3 },
        { type: "manual", handler: "weekyl" },
      ],
      handlers: { weekly: { steps: [{ tool: "tool-slack", action: "send" }, { prompt: 3 }] } },
      queue_overflow: "dorp",
      webhook_prot: 9000,
    });
    assert.match(problemAt(list, "sources[0].timezone"), /unknown timezone "Mars\/Olympus"/);
    assert.match(
      problemAt(list, "sources[1].type"),
      /unknown source type "filechange"; valid source types: file_change, git_push, git_pr, webhook, schedule, manual, custom \(did you mean "file_change"\?\)/,
    );
    assert.match(problemAt(list, "sources[2].debounce"), /unknown key "debounce"/);
    assert.match(problemAt(list, "sources[3].handler"), /no handler named "weekyl".*did you mean "weekly"/);
    assert.match(
      problemAt(list, "handlers.weekly.steps[0].action"),
      /tool "tool-slack" has no action "send"; its actions: post/,
    );
    assert.match(problemAt(list, "handlers.weekly.steps[1].prompt"), /expected a string, found number 3/);
    assert.match(problemAt(list, "queue_overflow"), /expected one of "drop", "queue", "error"; found string "dorp"/);
    assert.match(problemAt(list, "webhook_prot"), /unknown key "webhook_prot" \(did you mean "webhook_port"\?\)/);
    assert.equal(list.length, 8, list.map((p) => `${p.path}: ${p.message}`).join("\n"));
  });

  it("orders problems by key path, numerically", () => {
    const sources = Array.from({ length: 12 }, () => ({ type: "manual", handler: "nope" }));
    const paths = problems({ sources, handlers: { h: { prompt: "x" } } }).map((p) => p.path);
    assert.deepEqual(
      paths,
      sources.map((_, i) => `sources[${i}].handler`),
    );
  });

  it("names a missing source type and lists the valid ones", () => {
    assert.match(
      problemAt(problems({ sources: [{ handler: "h" }], handlers: { h: { prompt: "x" } } }), "sources[0].type"),
      /missing `type`; valid source types: file_change/,
    );
  });

  it("says what a step needs when it is none of prompt, tool, recipe", () => {
    const message = problemAt(
      problems(minimal({ handlers: { h: { steps: [{ promt: "x" }] } } })),
      "handlers.h.steps[0]",
    );
    assert.match(message, /`prompt`, `recipe` or `tool`/);
    assert.match(message, /"promt" \(did you mean "prompt"\?\)/);
  });

  it("refuses unknown tools and a handler with none or several of steps/recipe/prompt", () => {
    const list = problems({
      sources: [{ type: "manual", handler: "a" }],
      handlers: { a: { steps: [{ tool: "tool-slak", action: "post" }] }, b: {}, c: { prompt: "x", recipe: "r" } },
    });
    assert.match(problemAt(list, "handlers.a.steps[0].tool"), /unknown tool "tool-slak"; known tools: tool-filesystem/);
    assert.match(problemAt(list, "handlers.b"), /needs one of `steps`, `recipe` or `prompt`/);
    assert.match(problemAt(list, "handlers.c"), /only one of .* found recipe, prompt/);
  });

  it("suggests keys in nested objects", () => {
    const list = problems(minimal({ tools: { "tool-http": { allow_host: [] } }, retry: { max_attempt: 2 } }));
    assert.match(problemAt(list, "tools.tool-http.allow_host"), /did you mean "allow_hosts"/);
    assert.match(problemAt(list, "retry.max_attempt"), /did you mean "max_attempts"/);
  });

  it("lists allowed keys when nothing is close", () => {
    assert.match(
      problemAt(problems(minimal({ retry: { zzzzzzzz: 1 } })), "retry.zzzzzzzz"),
      /allowed keys: max_attempts, backoff, initial_delay_ms, max_delay_ms/,
    );
  });

  it("refuses a bad cron expression with the cron module's explanation", () => {
    const message = problemAt(
      problems({
        sources: [{ type: "schedule", cron: "0 25 * * MON", handler: "h" }],
        handlers: { h: { prompt: "x" } },
      }),
      "sources[0].cron",
    );
    assert.match(message, /0 25 \* \* MON/);
    assert.match(message, /25/);
  });

  it("refuses duplicate source names and colliding webhook paths", () => {
    const list = problems({
      sources: [
        { name: "a", type: "manual", handler: "h" },
        { name: "a", type: "manual", handler: "h" },
        { type: "webhook", path: "/hooks/x", secret: "${S}", handler: "h" },
        { type: "webhook", path: "/hooks/x/", secret: "${S}", handler: "h" },
        { type: "webhook", path: "/github", secret: "${S}", handler: "h" },
        { type: "git_pr", handler: "h" },
      ],
      handlers: { h: { prompt: "x" } },
    });
    assert.match(problemAt(list, "sources[1].name"), /duplicate source name "a" \(also sources\[0\]\)/);
    assert.match(problemAt(list, "sources[3].path"), /already used by sources\[2\]/);
    assert.match(problemAt(list, "sources[5].path"), /already used by sources\[4\]/);
  });

  it("lets GitHub sources share a path, with one secret, never printing it", () => {
    const ok = {
      sources: [
        { type: "git_pr", handler: "h" },
        { type: "git_push", handler: "h" },
        { type: "custom", github_events: ["issues"], handler: "h" },
      ],
      handlers: { h: { prompt: "x" } },
    };
    assert.equal(parseConfig(ok, { where: "t", env: {} }).sources.length, 3);
    const list = problems({
      sources: [
        { type: "git_pr", handler: "h", secret: "literal-one" },
        { type: "git_push", handler: "h", secret: "literal-two" },
      ],
      handlers: { h: { prompt: "x" } },
    });
    const message = problemAt(list, "sources[1].secret");
    assert.match(message, /same secret/);
    assert.doesNotMatch(message, /literal-/);
  });

  it("requires a webhook to be signed or to say signature: none", () => {
    const list = problems({
      sources: [
        { type: "webhook", path: "/a", handler: "h" },
        { type: "webhook", path: "/b", signature: "standard-webhooks", handler: "h" },
      ],
      handlers: { h: { prompt: "x" } },
    });
    assert.match(problemAt(list, "sources[0].secret"), /signature: none/);
    assert.match(problemAt(list, "sources[1].secret"), /needs a `secret`/);
    const open = parseConfig(
      { sources: [{ type: "webhook", path: "/a", signature: "none", handler: "h" }], handlers: { h: { prompt: "x" } } },
      { where: "t", env: {} },
    );
    assert.equal(open.sources.length, 1);
  });

  it("checks provider references against `providers` and the built-in kinds", () => {
    const list = problems(
      minimal({
        default_provider: "claud",
        providers: { claude: { kind: "anthropic" } },
        handlers: { h: { provider: "gpt", prompt: "x" } },
      }),
    );
    assert.match(problemAt(list, "default_provider"), /no provider named "claud".*did you mean "claude"/);
    assert.match(problemAt(list, "handlers.h.provider"), /no provider named "gpt"/);
  });

  it("refuses Amplifier step keys it cannot honour by name, with the reason, and nothing else about that step", () => {
    const list = problems(
      minimal({
        handlers: {
          h: {
            steps: [
              { id: "t", type: "bash", command: "npm test", cwd: "." },
              { prompt: "x", agent_config: { providers: [] } },
              { prompt: "y", parallel: 2, output: "session" },
              { prompt: "z", depends_on: ["later"] },
              { id: "later", prompt: "w" },
            ],
          },
        },
      }),
    );
    assert.deepEqual(
      list.map((p) => p.path),
      [
        "handlers.h.steps[0].type",
        "handlers.h.steps[1].agent_config",
        "handlers.h.steps[2].output",
        "handlers.h.steps[2].parallel",
        "handlers.h.steps[3].depends_on[0]",
      ],
    );
    assert.match(problemAt(list, "handlers.h.steps[0].type"), /^bash steps run shell commands .*use a tool step/);
    assert.match(problemAt(list, "handlers.h.steps[2].output"), /"session" is a reserved name/);
    assert.match(problemAt(list, "handlers.h.steps[2].parallel"), /`parallel` applies to a `foreach` step/);
  });

  it("accepts agents (bundle:agent names) whose provider exists, and provider model lists", () => {
    const cfg = parseConfig(
      minimal({
        providers: { claude: { kind: "anthropic", models: ["claude-sonnet-4-5-20250929"] } },
        agents: { "foundation:zen-architect": { system: "Be simple.", provider: "claude", model: "claude-sonnet-*" } },
      }),
      { where: "t", env: {} },
    );
    assert.equal(cfg.agents["foundation:zen-architect"]?.provider, "claude");
    assert.match(
      problemAt(problems(minimal({ agents: { a: { provider: "nope" } } })), "agents.a.provider"),
      /no provider named "nope"/,
    );
  });

  it("refuses handler names that cannot be ids", () => {
    assert.match(
      problemAt(problems({ sources: [], handlers: { "bad name": { prompt: "x" } } }), 'handlers["bad name"]'),
      /invalid name "bad name"/,
    );
  });

  it("refuses input that is not an object, naming what was found", () => {
    assert.match(problems(null)[0]!.message, /empty/);
    assert.match(problems([1, 2])[0]!.message, /found a list/);
    assert.match(problems("text")[0]!.message, /found string/);
  });

  it("puts where and every problem in the error message", () => {
    try {
      parseConfig(
        { sources: [{ type: "x", handler: "h" }], handlers: {}, mode: "forever" },
        { where: "my.yaml", env: {} },
      );
      assert.fail("should throw");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^my\.yaml: 3 problems/);
      assert.match(err.message, /\n {2}- mode: expected one of "daemon", "one-shot"/);
      assert.match(err.message, /\n {2}- sources\[0\]\.type: unknown source type "x"/);
    }
  });
});
