/** Recipes: loading (files, bundle map), validation with key paths and lines, nesting, context, cycles. */
import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../shared/config/parse.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { fileRecipeSource } from "../../../shared/node/file-recipe-source.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { RecipeError } from "../../../shared/pipeline/errors.ts";
import { parseRecipe, recipeSteps } from "../../../shared/pipeline/recipe.ts";
import type { RecipeSource } from "../../../shared/pipeline/pipeline-runner.ts";
import { jobFor, mapSecrets, signal, testEvent, withTempDir } from "./support.ts";

function runner(handlers: string, recipes: RecipeSource) {
  const cfg = parseConfig(parseYaml(`handlers:\n${handlers}`), { where: "test.yaml", env: {} });
  return createPipelineRunner(cfg, {
    recipes,
    secrets: mapSecrets({}),
    filesystemRoot: "/nonexistent",
    logger: silentLogger,
    stepRetryDelayMs: 1,
  });
}

describe("parseRecipe", () => {
  it("accepts Amplifier's flat recipe form plus tool and nested recipe steps", () => {
    const recipe = parseRecipe(
      "r.yaml",
      `
name: code-review
description: Review code
version: "1.0.0"
context:
  file_path: src/a.py
steps:
  - id: analyze
    agent: foundation:zen-architect
    prompt: "Analyze {{file_path}}"
    output: analysis
    timeout: 600
    retry: { max_attempts: 3, backoff: exponential }
    on_error: continue
  - tool: tool-filesystem
    action: read
    path: "{file_path}"
  - recipe: other
    context: { x: 1 }
`,
    );
    assert.equal(recipe.name, "code-review");
    assert.equal(recipe.version, "1.0.0");
    assert.deepEqual(recipe.context, { file_path: "src/a.py" });
    const steps = recipeSteps(recipe);
    assert.deepEqual(
      steps.map((s) => s.at),
      ["steps[0]", "steps[1]", "steps[2]"],
    );
    assert.equal((steps[0]!.step as { agent?: string }).agent, "foundation:zen-architect");
    assert.equal(recipe.staged, false);
  });

  it("names the file, every bad key path and its line", () => {
    assert.throws(
      () =>
        parseRecipe(
          "recipes/bad.yaml",
          `
steps:
  - prompt: "x"
    retry: { max_attempts: "three" }
  - tool: tool-nope
    action: read
  - id: nothing
  - prompt: "y"
    on_error: explode
`,
        ),
      (e: unknown) => {
        assert.ok(e instanceof RecipeError && e.permanent);
        assert.match(e.message, /^recipe recipes\/bad\.yaml: /);
        assert.match(e.message, /steps\[0\]\.retry\.max_attempts \(line 4\): expected a number/);
        assert.match(e.message, /steps\[1\]\.tool \(line 5\): unknown tool "tool-nope"/);
        assert.match(e.message, /steps\[2\] \(line 7\): expected an object with `prompt`, `recipe` or `tool`/);
        assert.match(
          e.message,
          /steps\[3\]\.on_error \(line 9\): expected one of "fail", "continue", "skip_remaining"/,
        );
        return true;
      },
    );
    assert.throws(() => parseRecipe("r.yaml", "steps: [\n"), /recipe r\.yaml: .*YAML syntax/);
    assert.throws(
      () => parseRecipe("r.yaml", "name: x\n"),
      /recipe r\.yaml: steps: a recipe needs `steps` \(or `stages`\)/,
    );
  });
});

describe("recipe sources", () => {
  it("fileRecipeSource resolves config refs from the config folder and nested refs from their recipe's folder", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "recipes", "sub"), { recursive: true });
      await writeFile(join(dir, "recipes", "a.yaml"), "A");
      await writeFile(join(dir, "recipes", "b.yml"), "B");
      await writeFile(join(dir, "recipes", "sub", "c.yaml"), "C");
      const source = fileRecipeSource(dir);
      assert.deepEqual(await source.load("recipes/a"), { id: "recipes/a.yaml", text: "A" });
      assert.deepEqual(await source.load("recipes/a.yaml"), { id: "recipes/a.yaml", text: "A" });
      assert.deepEqual(await source.load("./recipes/b"), { id: "recipes/b.yml", text: "B" });
      assert.deepEqual(await source.load("sub/c", "recipes/a.yaml"), { id: "recipes/sub/c.yaml", text: "C" });
      assert.deepEqual(await source.load("../a", "recipes/sub/c.yaml"), { id: "recipes/a.yaml", text: "A" });
      await assert.rejects(
        source.load("recipes/c"),
        /recipe "recipes\/c" not found; tried .*recipes\/c, .*recipes\/c\.yaml, .*recipes\/c\.yml/,
      );
    });
  });

  it("fileRecipeSource refuses refs that leave the config folder", async () => {
    await withTempDir(async (dir) => {
      const inner = join(dir, "config");
      await mkdir(join(inner, "recipes"), { recursive: true });
      await writeFile(join(dir, "outside.yaml"), "steps: []");
      await symlink(join(dir, "outside.yaml"), join(inner, "recipes", "link.yaml"));
      const source = fileRecipeSource(inner);
      await assert.rejects(source.load("../outside"), /leaves the config folder/);
      await assert.rejects(source.load("../../outside", "recipes/x.yaml"), /leaves the config folder/);
      await assert.rejects(source.load(join(dir, "outside.yaml")), /must be a path relative to the config folder/);
      await assert.rejects(source.load("recipes/link"), /through a symlink\) outside the config folder/);
    });
  });

  it("mapRecipeSource finds refs with or without extension, relative to the caller, and lists what it has", async () => {
    const source = mapRecipeSource({ "recipes/pr-reviewer.yaml": "P", "recipes/notify.yaml": "N", other: "O" });
    assert.deepEqual(await source.load("recipes/pr-reviewer"), { id: "recipes/pr-reviewer.yaml", text: "P" });
    assert.equal((await source.load("./recipes/pr-reviewer.yaml")).text, "P");
    assert.equal((await source.load("notify", "recipes/pr-reviewer.yaml")).id, "recipes/notify.yaml");
    assert.equal((await source.load("other.yml")).text, "O");
    await assert.rejects(
      source.load("nope"),
      /recipe "nope" is not in the bundle; bundled recipes: recipes\/pr-reviewer\.yaml, recipes\/notify\.yaml, other/,
    );
  });
});

describe("recipes in pipelines", () => {
  const recipes = mapRecipeSource({
    "outer.yaml": `
context: { who: default-who, tone: calm }
steps:
  - prompt: "outer {who} {tone}"
    output: greeting
  - recipe: inner
    context: { subject: "{greeting}" }
  - prompt: "done: {steps.1.output}"
`,
    "inner.yaml": `
context: { subject: none, style: short }
steps:
  - prompt: "inner [{subject}] {style} {payload.n} {config.flag}"
`,
    "cycle-a.yaml": "steps:\n  - recipe: cycle-b\n",
    "cycle-b.yaml": "steps:\n  - recipe: cycle-a\n",
    "bad.yaml": "steps:\n  - prompt: 1\n",
    "missing-path.yaml": 'steps:\n  - prompt: ok\n  - prompt: "{payload.nope}"\n',
  });

  it("runs a handler recipe with context defaults and a nested recipe with its own context", async () => {
    const outcome = await runner(
      `
  h:
    recipe: outer
    config: { flag: on }
`,
      recipes,
    ).run(jobFor(testEvent("manual", { n: 5 }), "h"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.deepEqual(outcome.actions_taken, [
      "recipe:outer.yaml",
      "prompt:echo",
      "recipe:inner.yaml",
      "prompt:echo",
      "prompt:echo",
    ]);
    assert.equal(
      outcome.output,
      "[echo model=echo]\ndone: [echo model=echo]\ninner [[echo model=echo]\nouter default-who calm] short 5 on",
    );
  });

  it("runs a recipe as a step of a handler", async () => {
    const outcome = await runner(
      `
  h:
    config: { flag: 2 }
    steps:
      - prompt: "before"
      - recipe: inner
        context: { subject: "{steps.0.output}" }
        as: result
      - prompt: "got {result}"
`,
      recipes,
    ).run(jobFor(testEvent("manual", { n: 1 }), "h"), { signal: signal() });
    assert.equal(outcome.success, true, outcome.error);
    assert.match(
      String(outcome.output),
      /^\[echo model=echo\]\ngot \[echo model=echo\]\ninner \[\[echo model=echo\]\nbefore\] short 1 2$/,
    );
  });

  it("stops recipe cycles, and reports bad recipes and missing paths permanently with their place", async () => {
    const cycle = await runner("  h:\n    recipe: cycle-a\n", recipes).run(jobFor(testEvent("manual", {}), "h"), {
      signal: signal(),
    });
    assert.equal(cycle.success, false);
    assert.equal(cycle.permanent, true);
    assert.match(cycle.error!, /recipe cycle: cycle-a\.yaml -> cycle-b\.yaml -> cycle-a\.yaml/);

    const bad = await runner("  h:\n    recipe: bad\n", recipes).run(jobFor(testEvent("manual", {}), "h"), {
      signal: signal(),
    });
    assert.equal(bad.permanent, true);
    assert.match(bad.error!, /^recipe bad\.yaml: steps\[0\]\.prompt \(line 2\): /);

    const missing = await runner("  h:\n    steps:\n      - recipe: missing-path\n", recipes).run(
      jobFor(testEvent("manual", {}), "h"),
      { signal: signal() },
    );
    assert.equal(missing.permanent, true);
    assert.equal(
      missing.error,
      "steps[0]: recipe missing-path.yaml steps[1].prompt: {payload.nope} is not in the event",
    );

    const absent = await runner("  h:\n    recipe: nowhere\n", recipes).run(jobFor(testEvent("manual", {}), "h"), {
      signal: signal(),
    });
    assert.equal(absent.permanent, true);
    assert.match(absent.error!, /recipe "nowhere" is not in the bundle/);
  });
});
