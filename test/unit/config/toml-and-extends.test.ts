/** TOML configs (the spec's `[[orchestrators]]` block) and Amplifier profile `extends:`. */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../../shared/config/errors.ts";
import { loadConfig } from "../../../shared/config/load.ts";
import { mergeOver } from "../../../shared/config/profile-extends.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const files = nodeConfigFiles;
let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "evd-toml-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function rejected(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  return assert.fail("expected a ConfigError");
}

describe("TOML configs", () => {
  it("the spec's configuration block, verbatim, is read: only its undefined handlers are reported", async () => {
    const err = await rejected(
      loadConfig({ configPath: "test/fixtures/spec/configuration-block.toml", cwd: repo, env: {}, files }),
    );
    assert.deepEqual(
      err.issues.map((i) => `${i.path}: ${i.message.split(";")[0]}`),
      [
        'sources[1].handler: no handler named "on-push"',
        'sources[3].handler: no handler named "on-deploy-webhook"',
        'sources[5].handler: no handler named "health-check"',
      ],
    );
  });

  it("examples/spec-config.toml (the spec's block with every handler defined) loads like YAML and notes the repairs", async () => {
    const loaded = await loadConfig({ configPath: "examples/spec-config.toml", cwd: repo, env: {}, files });
    const { config } = loaded;
    assert.equal(config.mode, "daemon");
    assert.equal(config.queue_overflow, "drop");
    assert.equal(config.max_concurrent_handlers, 3);
    assert.deepEqual(
      config.sources.map((s) => s.type),
      ["file_change", "git_push", "git_pr", "webhook", "schedule", "schedule"],
    );
    assert.equal(config.handlers["on-pr"]?.recipe, "recipes/pr-reviewer");
    assert.equal(loaded.configDir, join(repo, "examples"));
    assert.equal(loaded.notes.length, 1);
    assert.match(loaded.notes[0]!, /^lines 9, 54, .*: inline-table entries separated by a newline only/);
  });

  it("a TOML file without [[orchestrators]] is the config itself; evd.toml is found by default", async () => {
    const dir = join(tmp, "plain");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "evd.toml"),
      '[[sources]]\ntype = "manual"\nhandler = "h"\n\n[handlers.h]\nprompt = "hi {payload.who}"\n',
    );
    const loaded = await loadConfig({ cwd: dir, env: {}, files });
    assert.equal(loaded.configPath, join(dir, "evd.toml"));
    assert.equal(loaded.config.handlers.h?.prompt, "hi {payload.who}");
    assert.deepEqual(loaded.notes, []);
  });

  it("refuses an [[orchestrators]] list without this module, and TOML syntax errors with their line", async () => {
    const dir = join(tmp, "other");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "a.toml"), '[[orchestrators]]\nmodule = "loop-basic"\nconfig = {}\n');
    const other = await rejected(loadConfig({ configPath: join(dir, "a.toml"), env: {}, files }));
    assert.match(other.message, /no \[\[orchestrators\]\] entry with module = "loop-event-driven"; found "loop-basic"/);
    await writeFile(join(dir, "b.toml"), 'mode = "daemon"\nsources = [\n');
    const syntax = await rejected(loadConfig({ configPath: join(dir, "b.toml"), env: {}, files }));
    assert.equal(syntax.issues[0]!.line, 3);
    assert.match(syntax.issues[0]!.message, /^TOML syntax: /);
  });
});

describe("Amplifier profiles: extends", () => {
  it("the spec's pr-reviewer-daemon profile extends dev: dev's keys under its own", async () => {
    const loaded = await loadConfig({ profile: "pr-reviewer-daemon", cwd: join(repo, "examples"), env: {}, files });
    assert.equal(loaded.config.max_concurrent_handlers, 2, "from dev");
    assert.equal(loaded.config.default_provider, "echo", "from dev");
    assert.ok(loaded.config.agents["foundation:zen-architect"]?.system, "dev's agents");
    assert.equal(loaded.config.handlers["review-pr"]?.recipe, "recipes/pr-reviewer", "the profile's own");
    assert.equal(loaded.config.mode, "daemon");
  });

  it("merges maps key by key, the child winning; lists and values are replaced", () => {
    assert.deepEqual(mergeOver({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), {
      a: { b: 1, c: [3] },
      d: 1,
      e: 2,
    });
  });

  async function profiles(dir: string, entries: Record<string, string>): Promise<void> {
    await mkdir(join(dir, ".amplifier", "profiles"), { recursive: true });
    for (const [name, extendsWhat] of Object.entries(entries))
      await writeFile(
        join(dir, ".amplifier", "profiles", `${name}.md`),
        `---\nprofile:\n  name: ${name}\n  extends: ${extendsWhat}\nsession:\n  orchestrator:\n    module: loop-event-driven\n    config:\n      sources: [{type: manual, handler: h}]\n      handlers: {h: {prompt: x}}\n---\n`,
      );
  }

  it("a cycle is an error naming the chain", async () => {
    const dir = join(tmp, "cycle");
    await profiles(dir, { a: "b", b: "c", c: "a" });
    const err = await rejected(loadConfig({ profile: "a", cwd: dir, env: {}, files }));
    assert.equal(err.issues[0]!.path, "profile.extends");
    assert.match(err.issues[0]!.message, /profile extends cycle: a -> b -> c -> a/);
    assert.equal(err.issues[0]!.line, 4);
  });

  it("a missing parent is an error naming the file looked for; a collection profile is explained", async () => {
    const dir = join(tmp, "missing");
    await profiles(dir, { a: "base", b: "foundation:dev" });
    const missing = await rejected(loadConfig({ profile: "a", cwd: dir, env: {}, files }));
    assert.match(missing.message, /profile "a" extends "base", which does not exist: looked for .*profiles\/base\.md/);
    const collection = await rejected(loadConfig({ profile: "b", cwd: dir, env: {}, files }));
    assert.match(collection.message, /collection profiles such as foundation:dev are not available here/);
  });
});
