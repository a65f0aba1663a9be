/**
 * The CDK CLI (`npx cdk synth`) runs the app through cdk.json, offline and without Docker, and
 * really bundles the functions: each Lambda asset holds the ESM handler and `evd-bundle.json`.
 * This is the suite's one bundling synth (the others skip bundling).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "./fixtures/synth.ts";

const TIMEOUT_MS = 300_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("npx cdk synth -c config=examples/pr-review.yaml", { timeout: TIMEOUT_MS + 30_000 }, () => {
  let out: string;
  let result: Run;
  before(async () => {
    out = mkdtempSync(join(tmpdir(), "evd-cdk-cli-"));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // Anything that tried the network would fail against these: the synth must not need it.
      HTTP_PROXY: "http://127.0.0.1:9",
      HTTPS_PROXY: "http://127.0.0.1:9",
      NO_PROXY: "",
      CDK_DISABLE_VERSION_CHECK: "true",
      EVD_CONFIG: "examples/does-not-exist.yaml", // -c config wins over the environment
    };
    delete env.CDK_OUTDIR;
    delete env.CDK_CONTEXT_JSON;
    result = await run(
      "npx",
      ["--no-install", "cdk", "synth", "-c", "config=examples/pr-review.yaml", "--no-notices", "-o", out, "--quiet"],
      env,
    );
  });
  after(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it("exits 0 and writes the stack template", () => {
    assert.equal(result.code, 0, `cdk synth failed:\n${result.stderr.slice(-4000)}`);
    const template = JSON.parse(readFileSync(join(out, "EvdPrReview.template.json"), "utf8")) as {
      Resources: Record<string, { Type: string }>;
      Outputs: Record<string, unknown>;
    };
    assert.ok(Object.values(template.Resources).some((r) => r.Type === "AWS::Scheduler::Schedule"));
    for (const key of ["ApiUrl", "QueueUrl", "DlqUrl", "TableName", "ScheduleGroup"])
      assert.ok(key in template.Outputs, key);
  });

  it("reports no cdk-nag finding and no CloudFormation validation warning", () => {
    assert.doesNotMatch(result.stderr, /AwsSolutions-\w+/);
    const problems = result.stderr
      .split("\n")
      .filter((line) => /\b(error|warning|violation)s?\b/i.test(line) && !/^npm warn/i.test(line));
    assert.deepEqual(problems, []);
  });

  it("bundles each function locally with evd-bundle.json next to the ESM handler", () => {
    const assets = readdirSync(out).filter((d) => d.startsWith("asset.") && existsSync(join(out, d, "index.mjs")));
    assert.equal(assets.length, 2, `function assets: ${assets.join(", ")}`);
    for (const asset of assets) {
      const bundle = JSON.parse(readFileSync(join(out, asset, "evd-bundle.json"), "utf8")) as {
        config: { sources: unknown[]; cloud: { stack_name: string } };
        recipes: Record<string, string>;
      };
      assert.equal(bundle.config.cloud.stack_name, "EvdPrReview");
      assert.equal(bundle.config.sources.length, 3);
      assert.equal(typeof bundle.recipes, "object");
      const text = readFileSync(join(out, asset, "evd-bundle.json"), "utf8");
      assert.match(text, /"\$\{GITHUB_WEBHOOK_SECRET\}"/, "secret references stay references");
      const code = readFileSync(join(out, asset, "index.mjs"), "utf8");
      assert.match(code, /export\s*\{[^}]*\bhandler\b/);
      assert.match(code, /from\s*"@aws-sdk\/client-sqs"/, "the runtime's AWS SDK is used, not bundled");
    }
  });
});
