/** The `evd validate` and `evd schema` verbs, run as a user runs them. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function evd(args: string[], cwd = repo) {
  const env: Record<string, string | undefined> = { ...process.env, NODE_NO_WARNINGS: "1" };
  delete env.WEBHOOK_SECRET;
  const res = spawnSync(process.execPath, [join(repo, "local/cli/bin.mjs"), ...args], {
    cwd,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "evd-cli-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("evd validate", () => {
  it("accepts the spec's webhook example without WEBHOOK_SECRET and prints a summary", () => {
    const r = evd(["validate", "--config", "examples/webhook-integration.yaml"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /webhook-integration\.yaml: valid/);
    assert.match(
      r.stdout,
      /on-deploy-webhook-0 {2}webhook {2}POST \/hooks\/deploy \(hmac-sha256, or standard-webhooks if \$\{WEBHOOK_SECRET\} holds a whsec_ secret\) -> on-deploy/,
    );
    assert.match(r.stdout, /handlers \(1\):\n {2}on-deploy {2}1 step/);
  });

  it("loads a profile by name from its folder, with its recipe", () => {
    const r = evd(["validate", "--profile", "pr-reviewer-daemon"], join(repo, "examples"));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /review-pr {2}recipe recipes\/pr-reviewer/);
    assert.match(r.stdout, /recipes: recipes\/pr-reviewer/);
  });

  it("rejects the broken example with every problem and its path, exit 1", () => {
    const r = evd(["validate", "--config", "examples/broken/bad-config.yaml"]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /bad-config\.yaml: \d+ problems/);
    for (const path of [
      "sources[0].cron",
      "sources[1].type",
      "sources[2].handeler",
      "sources[3].handler",
      "handlers.weekly-summary.steps[1].action",
      "queue_overflow",
    ]) {
      assert.ok(r.stderr.includes(`  - ${path} (line `), `${path} missing from:\n${r.stderr}`);
    }
    assert.match(r.stderr, /did you mean "handler"/);
  });

  it("prints JSON with --json", () => {
    const r = evd(["validate", "--json", "--bundle", "examples/bundle"]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { valid: boolean; handlers: { name: string }[]; recipes: string[] };
    assert.equal(out.valid, true);
    assert.deepEqual(
      out.handlers.map((h) => h.name),
      ["release-notes"],
    );
    assert.deepEqual(out.recipes, ["recipes/release-notes.yaml"]);
  });

  it("refuses, for a config with a cloud section, a handler timeout the runner Lambda cannot fit", async () => {
    const { writeFile } = await import("node:fs/promises");
    const file = join(tmp, "cloud-timeouts.yaml");
    await writeFile(
      file,
      "cloud:\n  runner_timeout_seconds: 300\nsources:\n  - type: manual\n    handler: slow\nhandlers:\n  slow:\n    prompt: x\n    timeout_ms: 290000\n",
    );
    const r = evd(["validate", "--config", file]);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /handlers\.slow\.timeout_ms: 290000 ms does not fit the runner Lambda: its 300 s timeout \(cloud\.runner_timeout_seconds\) minus the 30 s the runner keeps to record the outcome leaves 270000 ms/,
    );
  });

  it("says what it searched when no config is found", () => {
    const r = evd(["validate"], tmp);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /looked for evd\.yaml, evd\.yml, evd\.json/);
  });

  it("has --help", () => {
    const r = evd(["validate", "--help"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--config <file>/);
    assert.match(r.stdout, /--profile <name>/);
    assert.match(r.stdout, /--bundle <path>/);
  });
});

describe("evd schema", () => {
  it("prints the JSON Schema, or writes it with --out", async () => {
    const printed = evd(["schema"]);
    assert.equal(printed.status, 0, printed.stderr);
    const schema = JSON.parse(printed.stdout) as { type: string; properties: Record<string, unknown> };
    assert.equal(schema.type, "object");
    assert.ok("sources" in schema.properties);
    const file = join(tmp, "evd.schema.json");
    const written = evd(["schema", "--out", file]);
    assert.equal(written.status, 0, written.stderr);
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), schema);
  });
});
