import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { buildDeployBundle } from "../../../shared/config/deploy-bundle.ts";
import { ConfigError } from "../../../shared/config/errors.ts";
import { missingHookModules } from "../../../shared/config/hook-files.ts";
import { loadConfig } from "../../../shared/config/load.ts";
import { fileRecipeSource } from "../../../shared/node/file-recipe-source.ts";
import { checkRecipes } from "../../../shared/pipeline/recipe-check.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const examples = join(repo, "examples");
/** Folders of examples/ that hold no config: recipes, the broken one, outputs, watched sources. */
/** Folders that hold no config, and dev.md: a base profile others extend (it has no sources of its own). */
const NOT_CONFIGS = new Set(["broken", "recipes", "out", "src", "node_modules", "dev.md"]);

async function exampleConfigs(dir = examples): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!NOT_CONFIGS.has(entry.name)) out.push(...(await exampleConfigs(full)));
    } else if (/\.(ya?ml|json|toml)$/.test(entry.name)) {
      out.push(full);
    } else if (
      entry.name.endsWith(".md") &&
      !NOT_CONFIGS.has(entry.name) &&
      (await readFile(full, "utf8")).startsWith("---")
    ) {
      out.push(full);
    }
  }
  return out.sort();
}

async function rejected(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "evd-config-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("examples", () => {
  it("finds the spec's examples and the project's", async () => {
    const names = (await exampleConfigs()).map((f) => relative(examples, f));
    for (const expected of [
      "docs-watcher.yaml",
      "webhook-integration.yaml",
      "scheduled-reports.yaml",
      "pr-review.yaml",
      "quickstart.yaml",
      join(".amplifier", "profiles", "pr-reviewer-daemon.md"),
      join("bundle", "bundle.md"),
    ]) {
      assert.ok(names.includes(expected), `${expected} not among ${names.join(", ")}`);
    }
  });

  it("every example validates with no environment variable set, and its recipes and hook modules exist", async () => {
    const files = await exampleConfigs();
    for (const file of files) {
      const loaded = await loadConfig({ files: nodeConfigFiles, configPath: file, cwd: repo, env: {} }).catch(
        (err: unknown) => assert.fail(`${relative(repo, file)}: ${String(err)}`),
      );
      assert.ok(loaded.config.sources.length > 0, `${file} has sources`);
      for (const s of loaded.config.sources) assert.ok(s.handler in loaded.config.handlers);
      const source = fileRecipeSource(loaded.configDir);
      assert.deepEqual((await checkRecipes(loaded.config, source)).issues, [], file);
      await buildDeployBundle(loaded, source);
      assert.deepEqual(await missingHookModules(loaded, nodeConfigFiles), [], file);
    }
  });

  it("the broken example lists every mistake with its key path and line", async () => {
    const err = await rejected(
      loadConfig({ files: nodeConfigFiles, configPath: "examples/broken/bad-config.yaml", cwd: repo, env: {} }),
    );
    const byPath = new Map(err.issues.map((i) => [i.path, i]));
    assert.match(byPath.get("sources[0].cron")?.message ?? "", /25/);
    assert.match(byPath.get("sources[1].type")?.message ?? "", /unknown source type "webhok".*did you mean "webhook"/);
    assert.match(byPath.get("sources[2].handeler")?.message ?? "", /did you mean "handler"/);
    assert.match(byPath.get("sources[3].handler")?.message ?? "", /no handler named "does-not-exist"/);
    assert.match(byPath.get("handlers.weekly-summary.steps[1].action")?.message ?? "", /no action "send"/);
    assert.match(byPath.get("queue_overflow")?.message ?? "", /found string "sometimes"/);
    assert.equal(byPath.get("sources[0].cron")?.line, 4);
    assert.equal(byPath.get("sources[2].handeler")?.line, 11);
    assert.equal(byPath.get("queue_overflow")?.line, 22);
  });

  it("the spec's webhook example keeps ${WEBHOOK_SECRET} as a reference", async () => {
    const { config } = await loadConfig({
      files: nodeConfigFiles,
      configPath: "examples/webhook-integration.yaml",
      cwd: repo,
      env: {},
    });
    const src = config.sources[0];
    assert.ok(src?.type === "webhook");
    assert.equal(src.secret, "${WEBHOOK_SECRET}");
    assert.equal(src.path, "/hooks/deploy");
    assert.ok(config.handlers["on-deploy"]?.steps?.[0]);
  });
});

describe("loadConfig: files", () => {
  it("reads JSON, and resolves configDir and stateDir from the file's folder", async () => {
    const dir = join(tmp, "json");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "c.json"),
      JSON.stringify({
        sources: [{ type: "manual", handler: "h" }],
        handlers: { h: { prompt: "x" } },
        state_file: "state/s.json",
      }),
    );
    const loaded = await loadConfig({ files: nodeConfigFiles, configPath: "c.json", cwd: dir, env: {} });
    assert.equal(loaded.configPath, join(dir, "c.json"));
    assert.equal(loaded.configDir, dir);
    assert.equal(loaded.stateDir, join(dir, "state"));
  });

  it("reports YAML syntax errors with their line", async () => {
    const file = join(tmp, "bad-syntax.yaml");
    await writeFile(file, "sources:\n  - type: manual\n    handler: h\nhandlers:\n  h: {prompt: x\n");
    const err = await rejected(loadConfig({ files: nodeConfigFiles, configPath: file, env: {} }));
    assert.match(err.issues[0]!.message, /^YAML syntax/);
    assert.ok(typeof err.issues[0]!.line === "number" && err.issues[0]!.line >= 5, `line ${err.issues[0]!.line}`);
  });

  it("reports duplicate YAML keys", async () => {
    const file = join(tmp, "dup.yaml");
    await writeFile(file, "mode: daemon\nmode: one-shot\nhandlers: {}\n");
    const err = await rejected(loadConfig({ files: nodeConfigFiles, configPath: file, env: {} }));
    assert.match(err.issues[0]!.message, /unique/);
    assert.equal(err.issues[0]!.line, 2);
  });

  it("reports JSON syntax errors", async () => {
    const file = join(tmp, "bad.json");
    await writeFile(file, '{\n  "sources": [,]\n}\n');
    const err = await rejected(loadConfig({ files: nodeConfigFiles, configPath: file, env: {} }));
    assert.match(err.issues[0]!.message, /^JSON syntax/);
  });

  it("says which file is missing", async () => {
    const err = await rejected(loadConfig({ files: nodeConfigFiles, configPath: join(tmp, "nope.yaml"), env: {} }));
    assert.match(err.issues[0]!.message, /file not found: .*nope\.yaml/);
  });

  it("finds evd.yaml in cwd, and says what it searched when there is none", async () => {
    const dir = join(tmp, "default");
    await mkdir(dir, { recursive: true });
    const err = await rejected(loadConfig({ files: nodeConfigFiles, cwd: dir, env: {} }));
    assert.match(err.message, /looked for evd\.yaml, evd\.yml, evd\.json, evd\.toml in .*default/);
    await writeFile(join(dir, "evd.yml"), "sources: [{type: manual, handler: h}]\nhandlers: {h: {prompt: x}}\n");
    assert.equal((await loadConfig({ files: nodeConfigFiles, cwd: dir, env: {} })).configPath, join(dir, "evd.yml"));
  });

  it("refuses several of --config, --profile, --bundle", async () => {
    const err = await rejected(loadConfig({ files: nodeConfigFiles, configPath: "a.yaml", profile: "p", env: {} }));
    assert.match(err.message, /only one of --config, --profile, --bundle/);
  });

  it("interpolates from the env it is given", async () => {
    const file = join(tmp, "env.yaml");
    await writeFile(
      file,
      "webhook_port: 8081\nwebhook_host: ${BIND:-127.0.0.1}\nsources: [{type: manual, handler: h}]\nhandlers: {h: {prompt: 'v${VERSION}'}}\n",
    );
    const { config } = await loadConfig({
      files: nodeConfigFiles,
      configPath: file,
      env: { VERSION: "2", BIND: "0.0.0.0" },
    });
    assert.equal(config.handlers.h?.prompt, "v2");
    assert.equal(config.webhook_host, "0.0.0.0");
    const err = await rejected(loadConfig({ files: nodeConfigFiles, configPath: file, env: {} }));
    assert.equal(err.issues[0]!.path, "handlers.h.prompt");
    assert.match(err.issues[0]!.message, /VERSION is not set/);
    assert.equal(err.issues[0]!.line, 4);
  });
});

describe("loadConfig: Amplifier profiles and bundles", () => {
  it("--profile finds .amplifier/profiles/NAME.md from a subfolder upward; paths are relative to the folder holding .amplifier", async () => {
    const loaded = await loadConfig({
      files: nodeConfigFiles,
      profile: "pr-reviewer-daemon",
      cwd: join(examples, "src"),
      env: {},
    });
    assert.equal(loaded.configPath, join(examples, ".amplifier", "profiles", "pr-reviewer-daemon.md"));
    assert.equal(loaded.configDir, examples);
    assert.equal(loaded.stateDir, join(examples, ".amplifier"));
    const handler = loaded.config.handlers["review-pr"];
    assert.equal(handler?.recipe, "recipes/pr-reviewer");
    assert.deepEqual(handler?.config, { post_comment: true, require_approval: false });
    assert.deepEqual(loaded.config.sources[0]?.type === "git_pr" && loaded.config.sources[0].events, [
      "opened",
      "synchronize",
    ]);
  });

  it("--config on a profile file gives the same folders", async () => {
    const loaded = await loadConfig({
      files: nodeConfigFiles,
      configPath: "examples/.amplifier/profiles/pr-reviewer-daemon.md",
      cwd: repo,
      env: {},
    });
    assert.equal(loaded.configDir, examples);
  });

  it("says where it looked for a profile that does not exist", async () => {
    const err = await rejected(
      loadConfig({ files: nodeConfigFiles, profile: "no-such-profile", cwd: join(examples, "src"), env: {} }),
    );
    assert.match(err.message, /profile "no-such-profile" not found/);
    assert.ok(err.message.includes(join(examples, "src", ".amplifier", "profiles", "no-such-profile.md")));
    assert.ok(err.message.includes(join(examples, ".amplifier", "profiles", "no-such-profile.md")));
  });

  it("--bundle takes a bundle.md or its folder", async () => {
    for (const bundle of ["examples/bundle", "examples/bundle/bundle.md"]) {
      const loaded = await loadConfig({ files: nodeConfigFiles, bundle, cwd: repo, env: {} });
      assert.equal(loaded.configPath, join(examples, "bundle", "bundle.md"));
      assert.equal(loaded.configDir, join(examples, "bundle"));
      assert.equal(loaded.config.handlers["release-notes"]?.recipe, "recipes/release-notes");
    }
  });

  it("refuses a bundle for another orchestrator module, naming it", async () => {
    const file = join(tmp, "other.md");
    await writeFile(
      file,
      "---\nbundle:\n  name: x\nsession:\n  orchestrator:\n    module: loop-streaming\n    config:\n      sources: []\n---\n# x\n",
    );
    const err = await rejected(loadConfig({ files: nodeConfigFiles, bundle: file, env: {} }));
    assert.equal(err.issues[0]!.path, "session.orchestrator.module");
    assert.match(err.issues[0]!.message, /expected "loop-event-driven"; found "loop-streaming"/);
    assert.equal(err.issues[0]!.line, 6);
  });

  it("refuses Markdown without front matter or without an orchestrator", async () => {
    const plain = join(tmp, "plain.md");
    await writeFile(plain, "# just text\n");
    assert.match(
      (await rejected(loadConfig({ files: nodeConfigFiles, configPath: plain, env: {} }))).message,
      /front matter/,
    );
    const none = join(tmp, "none.md");
    await writeFile(none, "---\nprofile:\n  name: x\n---\n");
    assert.match(
      (await rejected(loadConfig({ files: nodeConfigFiles, configPath: none, env: {} }))).message,
      /session\.orchestrator/,
    );
  });

  it("gives problems inside front matter their line in the Markdown file", async () => {
    const file = join(tmp, "lines.md");
    await writeFile(
      file,
      "---\nsession:\n  orchestrator:\n    module: loop-event-driven\n    config:\n      sources:\n        - type: manual\n          handler: h\n      handlers:\n        h: {prompt: x}\n      queue_overflow: never\n---\n",
    );
    const err = await rejected(loadConfig({ files: nodeConfigFiles, configPath: file, env: {} }));
    assert.equal(err.issues[0]!.path, "queue_overflow");
    assert.equal(err.issues[0]!.line, 11);
  });
});
