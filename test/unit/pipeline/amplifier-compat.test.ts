/**
 * The Amplifier compatibility suite: recipes written in Amplifier's published recipe format
 * (test/fixtures/amplifier/recipes) run with echo providers that record what each step sends, and
 * the rendered instructions are asserted exactly (Amplifier renders an agent step with a mode as
 * "MODE: X", a blank line, the substituted prompt). What cannot be honoured
 * (test/fixtures/amplifier/refused) is refused by `evd validate` with the key path and the reason.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileRecipeSource } from "../../../shared/node/file-recipe-source.ts";
import { checkRecipes } from "../../../shared/pipeline/recipe-check.ts";
import { ProviderError } from "../../../shared/providers/errors.ts";
import type { Provider } from "../../../shared/providers/provider.ts";
import { FIXTURES, openSuite, recordingEcho, type SentPrompt, type Suite } from "./amplifier-support.ts";

const repo = resolve(FIXTURES, "../../..");
const ZEN = "You value ruthless simplicity.";
const GUARDIAN = "You find vulnerabilities.";

let tmp: string;
let suite: Suite;
let refused: Suite;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "evd-amplifier-"));
  suite = await openSuite(join(tmp, "suite"));
  refused = await openSuite(join(tmp, "refused"), join(FIXTURES, "refused"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** What an echo provider answers for `prompt` (what later steps see as that step's output). */
function echoed(prompt: string, model = "echo", system?: string): string {
  return `[echo model=${model}]\n${system ? `[system] ${system}\n` : ""}${prompt}`;
}

const JSON_REQUEST =
  "\n\n---\n\nAnswer with valid JSON: put one JSON object (or list) at the end of your answer, raw or in a ```json block, with no comments or trailing commas.\n";

describe("Amplifier compatibility: the suite validates", () => {
  it("loads every recipe the config references, recursively, with no problem", async () => {
    const check = await checkRecipes(suite.loaded.config, fileRecipeSource(suite.loaded.configDir));
    assert.deepEqual(check.issues, []);
    assert.ok(check.recipes.length >= 12, `${check.recipes.length} recipes`);
    assert.ok(check.recipes.includes("recipes/audits/security-audit.yaml"));
    assert.deepEqual(check.agents, {
      "foundation:zen-architect": "system prompt, provider anthropic, model claude-sonnet-*",
      "foundation:explorer": "no system prompt, provider echo, model echo-explorer",
      "foundation:security-guardian": "system prompt, provider echo",
      "foundation:bug-hunter": "not under agents: no system prompt, provider echo",
      "foundation:integration-specialist": "system prompt, provider echo",
    });
  });
});

describe("Amplifier compatibility: recipes run with their prompts rendered as Amplifier renders them", () => {
  it("code review: modes, provider/model globs, a JSON severity, conditions and _skipped_steps (high)", async () => {
    const { outcome, sent } = await suite.run("code-review-high");
    assert.equal(outcome.success, true, outcome.error);
    const analyze = "MODE: ANALYZE\n\nAnalyze the structure of src/auth.py: organization, patterns, complexity.\n";
    const analysis = echoed(analyze, "claude-sonnet-4-5-20250929", ZEN);
    const assess = `MODE: ANALYZE\n\nGiven ${analysis}, rate the overall severity.\n{"severity": "high"}\n${JSON_REQUEST}`;
    const improve = "MODE: ARCHITECT\n\nSuggest improvements for src/auth.py (severity high).";
    assert.deepEqual(sent, [
      { provider: "anthropic", prompt: analyze, system: ZEN, model: "claude-sonnet-4-5-20250929" },
      { provider: "anthropic", prompt: assess, system: ZEN, model: "claude-haiku-4-5-20251001" },
      { provider: "anthropic", prompt: improve, system: ZEN, model: "claude-opus-4-20250514" },
      {
        provider: "anthropic",
        prompt: `MODE: REVIEW\n\nValidate: ${echoed(improve, "claude-opus-4-20250514", ZEN)}`,
        system: ZEN,
        model: "claude-sonnet-4-5-20250929",
      },
      { provider: "echo", prompt: 'Skipped: ["quick-approval"]' },
    ] satisfies SentPrompt[]);
    assert.deepEqual(outcome.actions_taken, [
      "recipe:recipes/code-review.yaml",
      "prompt:anthropic",
      "prompt:anthropic",
      "prompt:anthropic",
      "prompt:anthropic",
      "prompt:echo",
    ]);
  });

  it("code review: the clean branch skips improvements and validation, and approves", async () => {
    const { outcome, sent } = await suite.run("code-review-clean");
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(
      sent.map((s) => s.prompt.split("\n")[2] ?? s.prompt),
      [
        "Analyze the structure of src/clean.py: organization, patterns, complexity.",
        "Given [echo model=claude-sonnet-4-5-20250929]",
        "Approve src/clean.py quickly.",
        'Skipped: ["suggest-improvements", "validate-suggestions"]',
      ],
    );
    assert.match(sent[1]!.prompt, /\{"severity": "none"\}/);
  });

  it("context: recipe defaults, then handler config values of the same names, then the handler's context; recipe/session/step", async () => {
    const { outcome, sent } = await suite.run("context-and-metadata");
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(sent, [
      { provider: "echo", prompt: "context-and-metadata v2.0.1 (Show where each variable comes from) step intro#0" },
      { provider: "echo", prompt: "For operators in a plain tone, language fr; run evt-1#context-and-metadata" },
    ]);
  });

  it("the event: {{payload.x}}, {{event.type}}, shortcuts, both template syntaxes, lists and maps as Amplifier's JSON", async () => {
    const { outcome, sent } = await suite.run("event-variables", {
      version: "1.2.3",
      environment: "production",
      tags: ["a", "é"],
      meta: { build: 7, ok: true },
      repo: "octo/app",
    });
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(sent, [
      {
        provider: "echo",
        prompt: [
          "Event manual from cli: deploy of 1.2.3 to production.",
          'Tags: ["a", "\\u00e9"] / a, é',
          'Meta: {"build": 7, "ok": true}',
          "Repo: octo/app",
          'Literal: {"not": "a variable"}',
          "",
        ].join("\n"),
      },
    ]);
  });

  it("an undefined {{variable}} fails the run naming it, never renders as literal text", async () => {
    const { outcome, sent } = await suite.run("event-variables", { version: "1.2.3", tags: [], meta: {} });
    assert.equal(outcome.success, false);
    assert.equal(outcome.permanent, true);
    assert.match(
      outcome.error!,
      /recipe recipes\/event-variables\.yaml steps\[0\] \(describe\)\.prompt: \{payload\.environment\} is not in the event/,
    );
    assert.deepEqual(sent, []);
  });

  it("conditions: ==, !=, and, or, numbers; skipped steps listed", async () => {
    const { outcome, sent } = await suite.run("conditions", { environment: "production", version: "1.2.3" });
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(
      sent.map((s) => s.prompt),
      ["Production deploy of 1.2.3", "Risk 3 in production", "Either branch", 'Skipped so far: ["not-staging"]'],
    );
  });

  it("a condition on a {{variable}} that does not exist fails the run (Amplifier's rule), it is not false", async () => {
    const { outcome } = await suite.run("conditions", { version: "1.2.3" });
    assert.equal(outcome.success, false);
    assert.match(
      outcome.error!,
      /steps\[0\] \(production-only\)\.condition: \{\{payload\.environment\}\} is not in the event/,
    );
  });

  it("foreach with `as` and `collect`, then a synthesis of the collected list", async () => {
    const { outcome, sent } = await suite.run("foreach-collect", { files: ["src/a.py", "src/b.py"] });
    assert.equal(outcome.success, true, outcome.error);
    const a = echoed("Analyze src/a.py (analyze-each)", "echo-explorer");
    const b = echoed("Analyze src/b.py (analyze-each)", "echo-explorer");
    assert.deepEqual(sent, [
      { provider: "echo", prompt: "Analyze src/a.py (analyze-each)", model: "echo-explorer" },
      { provider: "echo", prompt: "Analyze src/b.py (analyze-each)", model: "echo-explorer" },
      {
        provider: "anthropic",
        prompt: `MODE: ANALYZE\n\nSynthesize ${JSON.stringify([a, b]).replace('","', '", "')}\n`,
        system: ZEN,
        model: "claude-sonnet-4-5-20250929",
      },
    ]);
  });

  it("an empty foreach list skips the step; a missing one fails naming it", async () => {
    const empty = await suite.run("foreach-collect", { files: [] });
    assert.equal(empty.outcome.success, false, "the synthesis then reads a collect that was never set");
    assert.match(empty.outcome.error!, /\{\{file_analyses\}\} is not defined/);
    assert.deepEqual(empty.sent, []);
    const missing = await suite.run("foreach-collect", {});
    assert.match(
      missing.outcome.error!,
      /steps\[0\] \(analyze-each\)\.foreach: \{\{payload\.files\}\} is not in the event/,
    );
  });

  it("parallel: 2 runs at most two iterations at once and keeps the list's order", async () => {
    const sent: SentPrompt[] = [];
    const waiting: (() => void)[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const gated = recordingEcho("echo", sent, async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((release) => waiting.push(release));
      inFlight--;
    });
    const running = suite.run("foreach-parallel", { pr: "#7" }, { echo: gated });
    const settle = async (n: number) => {
      for (let i = 0; i < 10_000 && waiting.length < n; i++) await new Promise((r) => setImmediate(r));
    };
    await settle(2);
    assert.equal(sent.length, 2, "two iterations started");
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    assert.equal(sent.length, 2, "no third iteration while two run");
    for (let released = 0; released < 6; released++) {
      await settle(released + 1);
      waiting[released]!();
    }
    const { outcome } = await running;
    assert.equal(outcome.success, true, outcome.error);
    assert.equal(maxInFlight, 2);
    const perspectives = ["security", "performance", "readability", "tests", "docs"];
    const reviews = perspectives.map((p) => echoed(`Review #7 from the ${p} perspective`));
    assert.equal(sent.at(-1)!.prompt, `[${reviews.map((r) => JSON.stringify(r)).join(", ")}]`);
  });

  it("sub-recipes: relative to the calling recipe, only the passed context, outputs as a map", async () => {
    const { outcome, sent } = await suite.run("compose");
    assert.equal(outcome.success, true, outcome.error);
    const scan = echoed("Scan src/auth.py at high severity", "echo", GUARDIAN);
    const classified = echoed(`Classify ${scan}`, "echo", GUARDIAN);
    assert.deepEqual(sent, [
      { provider: "echo", prompt: "Scan src/auth.py at high severity", system: GUARDIAN },
      { provider: "echo", prompt: `Classify ${scan}`, system: GUARDIAN },
      { provider: "echo", prompt: `Security: ${classified} (scan: ${scan})` },
    ]);
    assert.deepEqual(outcome.actions_taken.slice(0, 2), [
      "recipe:recipes/compose.yaml",
      "recipe:recipes/audits/security-audit.yaml",
    ]);
  });

  it("foreach over a sub-recipe: one call per item, each with its own context, results collected", async () => {
    const { outcome, sent } = await suite.run("foreach-recipe", { files: ["a.py", "b.py"] });
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(
      sent.slice(0, 4).map((s) => s.prompt.split("\n")[0]),
      [
        "Scan a.py at medium severity",
        "Classify [echo model=echo]",
        "Scan b.py at medium severity",
        "Classify [echo model=echo]",
      ],
    );
    assert.match(
      sent[4]!.prompt,
      /^Audited \[\{"scan_results": .*Scan a\.py.*\}, \{"scan_results": .*Scan b\.py.*\}\]$/s,
    );
  });

  it("agents: system prompt, provider and model from `agents:`; step provider/model win; unknown agents use the defaults", async () => {
    const { outcome, sent } = await suite.run("agents-and-modes", { service: "billing" });
    assert.equal(outcome.success, true, outcome.error);
    const design = "MODE: ARCHITECT\n\nDesign a cache for billing";
    assert.deepEqual(sent, [
      { provider: "anthropic", prompt: design, system: ZEN, model: "claude-sonnet-4-5-20250929" },
      {
        provider: "openai",
        prompt: `MODE: REVIEW\n\nReview ${echoed(design, "claude-sonnet-4-5-20250929", ZEN)}`,
        system: ZEN,
        model: "gpt-4o-2024-11-20",
      },
      { provider: "echo", prompt: "Hunt bugs in billing" },
    ]);
  });

  it("retry (linear), on_error continue and skip_remaining", async () => {
    let failures = 2;
    const sent: SentPrompt[] = [];
    const flaky = recordingEcho("flaky", sent, async () => {
      if (failures-- > 0) throw new ProviderError("503 from the provider", { permanent: false });
    });
    const broken: Provider = recordingEcho("broken", sent, async () => {
      throw new ProviderError("400 bad request", { permanent: true });
    });
    const { outcome } = await suite.run("errors-and-retries", { ticket: "T-1" }, { flaky, broken });
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(
      sent.map((s) => `${s.provider}: ${s.prompt}`),
      ["flaky: Fetch T-1", "flaky: Fetch T-1", "flaky: Fetch T-1", "broken: Optional enrichment", "broken: Guard"],
    );
    assert.deepEqual(outcome.actions_taken, ["recipe:recipes/errors-and-retries.yaml", "prompt:flaky", "prompt:echo"]);
    assert.equal(outcome.output, echoed(`Still here after ${echoed("Fetch T-1", "echo")}`));
  });

  it("parse_json: JSON extracted from a fenced block is readable by path; parse_json: false keeps text", async () => {
    const { outcome, sent } = await suite.run("parse-json", { count: 3 });
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(
      sent.map((s) => s.prompt),
      [
        `Findings follow.\n\`\`\`json\n{"count": 3, "items": ["a", "b"]}\n\`\`\`\n${JSON_REQUEST}`,
        "Count 3, first a",
        '{"kept": true}',
        echoed('{"kept": true}'),
      ],
    );
  });

  it("depends_on and this project's tool steps in the same recipe", async () => {
    const { outcome, sent } = await suite.run("depends-and-tools", { version: "1.2.3" });
    assert.equal(outcome.success, true, outcome.error);
    const notes = echoed("Release notes for 1.2.3");
    assert.equal(await readFile(join(suite.loaded.configDir, "out/notes-1.2.3.md"), "utf8"), notes);
    assert.deepEqual(
      sent.map((s) => s.prompt),
      ["Release notes for 1.2.3", `Saved {"path": "out/notes-1.2.3.md", "bytes": ${Buffer.byteLength(notes)}}`],
    );
  });

  it("stages run in order and {{step.stage}} names the stage", async () => {
    const { outcome, sent } = await suite.run("staged");
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(
      sent.map((s) => s.prompt),
      ["Plan for . in planning", `Execute ${echoed("Plan for . in planning")} (execution step 0)`],
    );
  });

  it("approval gates: the run stops before `validation` and after `phase-1-security`, and continues when approved", async () => {
    const INTEGRATION = "You know package managers.";
    const first = await suite.run("staged-approval");
    assert.equal(first.outcome.success, true, first.outcome.error);
    const parked = first.outcome.parked!;
    const audit = "Audit the dependencies of . (uv)";
    const plan = `MODE: ARCHITECT\n\nPlan the upgrade from: ${echoed(audit, "echo", INTEGRATION)}`;
    assert.deepEqual(parked.gate, {
      recipe: "recipes/staged-approval.yaml",
      stage: "validation",
      stageIndex: 1,
      when: "before_stage",
      prompt: `ASSESSMENT DONE\nPlan: ${echoed(plan, "claude-sonnet-4-5-20250929", ZEN)}\nApprove to check compatibility.\n`,
      timeoutSeconds: 0,
      onTimeout: "deny",
    });
    assert.deepEqual(
      first.sent.map((s) => s.prompt),
      [audit, plan],
      "nothing of the gated stage ran",
    );

    const decision = { approved: true, at: "2026-01-05T10:00:00.000Z", by: "cli" };
    const second = await suite.run("staged-approval", {}, {}, { parked, decision });
    assert.equal(second.outcome.success, true, second.outcome.error);
    const check = echoed("Check compatibility of .", "echo", INTEGRATION);
    assert.deepEqual(
      second.sent.map((s) => s.prompt),
      ["Check compatibility of .", `Security fix commands (uv) given ${check}`],
    );
    const gate2 = second.outcome.parked!.gate;
    assert.equal(gate2.stage, "phase-1-security");
    assert.equal(gate2.when, "after_stage");
    assert.equal(gate2.timeoutSeconds, 3600);
    assert.match(
      gate2.prompt,
      /^Security commands ready: \[echo model=echo\]\n\[system\] You know package managers\.\nSecurity fix commands/,
    );

    const third = await suite.run("staged-approval", {}, {}, { parked: second.outcome.parked!, decision });
    assert.equal(third.outcome.success, true, third.outcome.error);
    assert.equal(third.outcome.parked, undefined);
    assert.deepEqual(third.sent, [], "the last gate was after the last stage");
    assert.deepEqual(third.outcome.actions_taken, [
      "recipe:recipes/staged-approval.yaml",
      "prompt:echo",
      "prompt:anthropic",
      "approval:validation:approved",
      "prompt:echo",
      "prompt:echo",
      "approval:phase-1-security:approved",
    ]);
  });

  it("recursion limits and cycles stop the run with the recipe chain", async () => {
    const deep = await refused.run("recursion");
    assert.equal(deep.outcome.permanent, true);
    assert.match(
      deep.outcome.error!,
      /recipes nest deeper than 2 \(recursion\.max_depth\): recipes\/recursion\.yaml -> recipes\/nest\/level-1\.yaml -> recipes\/nest\/level-2\.yaml/,
    );
    const cycle = await refused.run("cycle");
    assert.match(
      cycle.outcome.error!,
      /recipe cycle: recipes\/nest\/cycle-a\.yaml -> recipes\/nest\/cycle-b\.yaml -> recipes\/nest\/cycle-a\.yaml/,
    );
  });

  it("context isolation: a sub-recipe cannot read its caller's variables", async () => {
    const { outcome, sent } = await refused.run("isolation");
    assert.equal(outcome.success, false);
    assert.match(
      outcome.error!,
      /recipe recipes\/leaks\.yaml steps\[0\] \(peek\)\.prompt: \{\{api_key\}\} is not defined/,
    );
    assert.deepEqual(sent, []);
  });
});

/** Every refusal: the handler whose recipe holds it, the key path in the recipe, the reason. */
const REFUSALS: readonly [string, RegExp][] = [
  [
    "bash-step",
    /recipe recipes\/bash-step\.yaml: steps\[0\]\.type \(line 4\): bash steps run shell commands .*command-injection/,
  ],
  [
    "agent-config",
    /steps\[0\]\.agent_config \(line 5\): `agent_config` overrides an Amplifier agent session's modules/,
  ],
  [
    "convergence-loop",
    /steps\[0\]\.while_condition \(line 5\): convergence loops are not run here: an event-triggered run must end within its handler's timeout_ms/,
  ],
  [
    "compound-foreach",
    /steps\[0\]\.steps \(line 7\): a multi-step loop body is not supported: move the body into a sub-recipe/,
  ],
  ["step-approval", /steps\[0\]\.requires_approval \(line 5\): approval gates are a staged-mode feature/],
  ["stage-condition", /stages\[0\]\.condition \(line 4\): a stage `condition:` is not honoured/],
  ["templated-path", /steps\[0\]\.recipe: "\{\{audit_type\}\}-audit\.yaml" is a template; a recipe path must be fixed/],
  ["undefined-variable", /steps\[0\]\.prompt: \{\{severty\}\} is not defined: .* \(did you mean "severity"\?\)/],
  ["unknown-provider", /steps\[0\]\.provider: no provider named "azure-openai"; configure it under `providers`/],
  [
    "model-globs",
    /steps\[0\]\.model: model "claude-sonnet-\*" is a glob: list the models of provider "claude" under providers\.claude\.models/,
  ],
  [
    "model-globs",
    /steps\[1\]\.model: model "gpt-5-\*" matches none of providers\.catalogued\.models \(gpt-4o-2024-11-20\)/,
  ],
  [
    "required-agents",
    /dependencies: requires agent "foundation:integration-specialist" \(from git\+https:.*\); bundles are not fetched here: describe the agent under `agents:`/,
  ],
  [
    "isolation",
    /recipe recipes\/isolation\.yaml steps\[0\] -> recipe recipes\/leaks\.yaml steps\[0\]\.prompt: \{\{api_key\}\} is not defined/,
  ],
  ["recursion", /recipes nest deeper than 2 \(recursion\.max_depth\)/],
  [
    "cycle",
    /recipe cycle: recipes\/nest\/cycle-a\.yaml -> recipes\/nest\/cycle-b\.yaml -> recipes\/nest\/cycle-a\.yaml/,
  ],
  ["misc-keys", /steps\[0\]\.retires \(line 5\): unknown key "retires"; allowed keys: prompt, type, agent, mode/],
  ["misc-keys", /steps\[1\]\.spawn_mode \(line 8\): `spawn_mode` chooses how Amplifier spawns an agent session/],
  ["misc-keys", /steps\[2\]\.parallel \(line 11\): `parallel` applies to a `foreach` step; this step has none/],
  ["misc-keys", /steps\[3\]\.depends_on\[0\] \(line 14\): no earlier step has id "late"; steps run in order/],
  ["steps-and-stages", /stages \(line 4\): a recipe has `steps` \(flat\) or `stages` \(staged\), not both/],
  [
    "nested-gate",
    /-> recipe recipes\/gated-sub\.yaml stages\[0\]\.approval: approval gates stop the handler's own recipe; this recipe runs as a step of another one/,
  ],
  [
    "gate-prompt",
    /recipe recipes\/gate-prompt\.yaml stages\[0\]\.approval\.prompt: \{\{drat\}\} is not defined: .*\(did you mean "draft"\?\)/,
  ],
];

describe("Amplifier compatibility: what cannot be honoured is refused at validate time", () => {
  it("names each refused feature with its recipe, key path, line and reason, and nothing else", async () => {
    const check = await checkRecipes(refused.loaded.config, fileRecipeSource(refused.loaded.configDir));
    const unexplained = check.issues.filter(
      (i) => !REFUSALS.some(([handler, re]) => i.path === `handlers.${handler}.recipe` && re.test(i.message)),
    );
    assert.deepEqual(unexplained, []);
    for (const [handler, re] of REFUSALS)
      assert.ok(
        check.issues.some((i) => i.path === `handlers.${handler}.recipe` && re.test(i.message)),
        `${handler}: ${re}`,
      );
    assert.equal(check.issues.length, REFUSALS.length);
  });

  it("`evd validate` prints them and exits 1; the suite's config validates", () => {
    const evd = (config: string) =>
      spawnSync(process.execPath, [join(repo, "local/cli/bin.mjs"), "validate", "--config", config], {
        cwd: repo,
        encoding: "utf8",
        env: { ...process.env, NODE_NO_WARNINGS: "1" },
        timeout: 60_000,
      });
    const bad = evd("test/fixtures/amplifier/refused/evd.yaml");
    assert.equal(bad.status, 1, bad.stdout);
    assert.match(bad.stderr, new RegExp(`${REFUSALS.length} problems`));
    assert.match(
      bad.stderr,
      /handlers\.bash-step\.recipe: recipe recipes\/bash-step\.yaml: steps\[0\]\.type \(line 4\): bash steps/,
    );
    const good = evd("test/fixtures/amplifier/evd.yaml");
    assert.equal(good.status, 0, good.stderr);
    assert.match(
      good.stdout,
      /agents \(5\):\n {2}foundation:zen-architect {2}system prompt, provider anthropic, model claude-sonnet-\*/,
    );
  });
});
