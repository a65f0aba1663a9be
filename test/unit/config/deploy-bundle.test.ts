import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { buildDeployBundle } from "../../../shared/config/deploy-bundle.ts";
import { ConfigError } from "../../../shared/config/errors.ts";
import { missingHookModules } from "../../../shared/config/hook-files.ts";
import { loadConfig } from "../../../shared/config/load.ts";
import { parseConfig } from "../../../shared/config/parse.ts";
import { fileRecipeSource } from "../../../shared/node/file-recipe-source.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "evd-bundle-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("buildDeployBundle", () => {
  it("carries the profile's recipe, found without its .yaml extension", async () => {
    const loaded = await loadConfig({
      files: nodeConfigFiles,
      profile: "pr-reviewer-daemon",
      cwd: join(repo, "examples"),
      env: {},
    });
    const bundle = await buildDeployBundle(loaded, fileRecipeSource(loaded.configDir));
    assert.deepEqual(Object.keys(bundle.recipes), ["recipes/pr-reviewer.yaml"]);
    assert.equal(
      bundle.recipes["recipes/pr-reviewer.yaml"],
      await readFile(join(repo, "examples/recipes/pr-reviewer.yaml"), "utf8"),
    );
    assert.deepEqual(bundle.config, loaded.config);
  });

  it("keeps secret references, never values, and survives a JSON round trip", async () => {
    const loaded = await loadConfig({
      files: nodeConfigFiles,
      configPath: "examples/pr-review.yaml",
      cwd: repo,
      env: { GITHUB_WEBHOOK_SECRET: "do-not-ship", GITHUB_TOKEN: "ghp_do_not_ship" },
    });
    const json = JSON.stringify(await buildDeployBundle(loaded, fileRecipeSource(loaded.configDir)));
    assert.ok(!json.includes("do-not-ship") && !json.includes("ghp_do_not_ship"));
    assert.ok(json.includes("${GITHUB_WEBHOOK_SECRET}"));
    const back = JSON.parse(json) as { config: unknown };
    assert.deepEqual(parseConfig(back.config, { where: "bundle", env: {} }), loaded.config);
  });

  it("re-parses to the same config when it holds literal ${ (escaped or from the environment)", async () => {
    const dir = join(tmp, "literal");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "evd.yaml"),
      "sources: [{type: manual, handler: h}]\nhandlers:\n  h: {prompt: 'cost: $${AMOUNT} for ${WHO}'}\n",
    );
    const loaded = await loadConfig({ files: nodeConfigFiles, cwd: dir, env: { WHO: "${HOME}" } });
    assert.equal(loaded.config.handlers.h?.prompt, "cost: ${AMOUNT} for ${HOME}");
    const bundle = JSON.parse(JSON.stringify(await buildDeployBundle(loaded, fileRecipeSource(loaded.configDir)))) as {
      config: unknown;
    };
    assert.deepEqual(parseConfig(bundle.config, { where: "bundle", env: {} }), loaded.config);
  });

  it("follows handler, step and nested recipe references (nested ones relative to their recipe), each once", async () => {
    const dir = join(tmp, "nested");
    await mkdir(join(dir, "recipes", "sub"), { recursive: true });
    await writeFile(
      join(dir, "evd.yaml"),
      [
        "sources: [{type: manual, handler: a}]",
        "handlers:",
        "  a: {recipe: recipes/top}",
        "  b: {steps: [{prompt: x}, {recipe: recipes/sub/leaf.yml}]}",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "recipes", "top.yaml"),
      "name: top\nsteps:\n  - id: one\n    type: recipe\n    recipe: sub/leaf.yml\n  - id: two\n    recipe: middle\n",
    );
    await writeFile(join(dir, "recipes", "middle.yml"), "name: middle\nsteps:\n  - prompt: m\n  - recipe: ./top\n");
    await writeFile(join(dir, "recipes", "sub", "leaf.yml"), "name: leaf\nsteps:\n  - prompt: leaf\n");
    const loaded = await loadConfig({ files: nodeConfigFiles, cwd: dir, env: {} });
    const bundle = await buildDeployBundle(loaded, fileRecipeSource(loaded.configDir));
    assert.deepEqual(Object.keys(bundle.recipes).sort(), [
      "recipes/middle.yml",
      "recipes/sub/leaf.yml",
      "recipes/top.yaml",
    ]);
    assert.match(bundle.recipes["recipes/middle.yml"]!, /name: middle/);
  });

  it("names every missing or broken recipe with the key that references it", async () => {
    const dir = join(tmp, "missing");
    await mkdir(join(dir, "recipes"), { recursive: true });
    await writeFile(
      join(dir, "evd.yaml"),
      "sources: [{type: manual, handler: a}]\nhandlers:\n  a: {recipe: recipes/none}\n  b: {recipe: recipes/broken}\n  c: {recipe: ../outside}\n",
    );
    await writeFile(join(dir, "recipes", "broken.yaml"), "steps: [\n");
    await writeFile(join(tmp, "outside.yaml"), "steps: []\n");
    const loaded = await loadConfig({ files: nodeConfigFiles, cwd: dir, env: {} });
    try {
      await buildDeployBundle(loaded, fileRecipeSource(loaded.configDir));
      assert.fail("should throw");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const byPath = new Map(err.issues.map((i) => [i.path, i.message]));
      assert.match(
        byPath.get("handlers.a.recipe") ?? "",
        /recipe "recipes\/none" not found; tried .*none, .*none\.yaml, .*none\.yml/,
      );
      assert.match(byPath.get("handlers.b.recipe") ?? "", /recipe recipes\/broken\.yaml.*YAML/);
      assert.match(byPath.get("handlers.c.recipe") ?? "", /leaves the config folder/);
    }
  });
});

describe("missingHookModules", () => {
  it("names each hook module file that does not exist, relative to the config folder", async () => {
    const dir = join(tmp, "hooks");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "present.mjs"), "export default () => ({ action: 'continue' });\n");
    await writeFile(
      join(dir, "evd.yaml"),
      "hooks: [./present.mjs, ./absent.mjs, {module: ./gone.mjs}]\nsources: [{type: manual, handler: h}]\nhandlers: {h: {prompt: x}}\n",
    );
    const issues = await missingHookModules(
      await loadConfig({ files: nodeConfigFiles, cwd: dir, env: {} }),
      nodeConfigFiles,
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ["hooks[1]", "hooks[2].module"],
    );
    assert.match(issues[0]!.message, /hook module "\.\/absent\.mjs" not found: looked at .*absent\.mjs/);
  });
});
