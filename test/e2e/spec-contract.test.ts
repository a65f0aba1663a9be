/**
 * The spec's contract, with the daemon and the CLI as a user runs them: the spec's own curl for
 * its webhook example (no Content-Type), empty bodies refused, a clean 413 for curl, handler state
 * in `evd daemon state --json`, an approval gate listed, approved and continued after a restart
 * through `mode: one-shot`, and the library example run as written.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signHmacSha256 } from "../../shared/signatures/sign.ts";
import {
  repoRoot,
  runCli,
  startDaemonProcess,
  tempDir,
  waitFor,
  writeConfig,
  type DaemonProcess,
} from "./helpers/daemon-process.ts";

const SECRET = "spec-contract-secret";

const RECIPE = `
name: release
description: Plan, then ship once someone approves
version: "1.0.0"
stages:
  - name: plan
    steps:
      - id: plan
        prompt: "Plan {{payload.version}}"
        output: plan
  - name: ship
    approval:
      required: true
      when: before_stage
      prompt: "Ship {{payload.version}}? {{plan}}"
    steps:
      - id: ship
        prompt: "Shipped {{payload.version}}"
`;

const CONFIG = `
mode: \${EVD_MODE:-daemon}
webhook_port: 0
max_body_bytes: 1024
state_file: state/event-state.json
sources:
  - type: webhook
    path: /hooks/deploy
    secret: \${DEPLOY_SECRET}
    handler: on-deploy
  - type: manual
    handler: release
handlers:
  on-deploy:
    steps:
      - tool: tool-state
        action: get
        key: last_version
        initial: none
        as: previous
      - tool: tool-state
        action: set
        key: last_version
        value: "{payload.version}"
      - prompt: |
          Deployment completed:
          - Environment: {payload.environment}
          - Version: {payload.version} (previous: {previous})
  release:
    recipe: recipes/release
`;

/** `curl` as the user types it; answers the HTTP status and body. */
function curl(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn("curl", ["-sS", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    p.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    p.once("exit", (code) => resolve({ code, out, err }));
  });
}

describe("e2e: the spec's contract", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let configPath = "";
  let daemon: DaemonProcess | undefined;
  const env = { DEPLOY_SECRET: SECRET };

  before(async () => {
    tmp = await tempDir("spec-contract");
    await mkdir(join(tmp.dir, "recipes"));
    await writeFile(join(tmp.dir, "recipes", "release.yaml"), RECIPE);
    configPath = await writeConfig(tmp.dir, "evd.yaml", CONFIG);
    daemon = await startDaemonProcess({ configPath, cwd: tmp.dir, env });
  });
  after(async () => {
    await daemon?.stop();
    await tmp.cleanup();
  });

  it("the spec's `curl -d '{...}'` (no Content-Type: form-urlencoded) is read as JSON and runs", async () => {
    const body = '{"environment": "production", "version": "1.2.3"}';
    const r = await curl([
      "-X",
      "POST",
      `${daemon!.url}/hooks/deploy`,
      "-H",
      `X-Signature: ${signHmacSha256(SECRET, body)}`,
      "-d",
      body,
      "-w",
      "\n%{http_code}",
    ]);
    assert.equal(r.code, 0, r.err);
    const [json, status] = r.out.split("\n");
    assert.equal(status, "202", r.out);
    assert.equal((JSON.parse(json!) as { status: string }).status, "accepted");
    const run = await waitFor(async () => {
      const h = await daemon!.admin.call<{ handler: string; output: unknown; success: boolean }[]>("GET", "/history");
      return h.find((x) => x.handler === "on-deploy");
    }, "the on-deploy run");
    assert.equal(run.success, true);
    assert.match(String(run.output), /Environment: production\n- Version: 1\.2\.3 \(previous: none\)/);
  });

  it("an empty signed body is a 400, not a 202 that fails later", async () => {
    const r = await curl([
      "-X",
      "POST",
      `${daemon!.url}/hooks/deploy`,
      "-H",
      `X-Signature: ${signHmacSha256(SECRET, "")}`,
      "-d",
      "",
      "-w",
      "\n%{http_code}",
    ]);
    const [json, status] = r.out.split("\n");
    assert.equal(status, "400", r.out);
    assert.match((JSON.parse(json!) as { message: string }).message, /the body is empty/);
  });

  it("a body over the limit gets a clean 413 in curl, with and without Expect: 100-continue", async () => {
    for (const size of [64 * 1024, 2 * 1024 * 1024]) {
      const file = join(tmp.dir, `big-${size}.json`);
      await writeFile(file, `{"pad":"${"x".repeat(size)}"}`);
      const r = await curl([
        "-X",
        "POST",
        `${daemon!.url}/hooks/deploy`,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        `@${file}`,
        "-w",
        "\n%{http_code}",
      ]);
      assert.equal(r.code, 0, `curl exit ${r.code}: ${r.err}`);
      const [json, status] = r.out.split("\n");
      assert.equal(status, "413", r.out);
      assert.equal((JSON.parse(json!) as { error: string }).error, "body_too_large");
    }
  });

  it("handler_state written by tool-state is in `evd daemon state --json`", async () => {
    const state = await runCli(["daemon", "state", "--json", "--config", configPath], { env });
    assert.equal(state.code, 0, state.stderr);
    const st = JSON.parse(state.stdout) as { handler_state: Record<string, unknown> };
    assert.deepEqual(st.handler_state, { "on-deploy:last_version": "1.2.3" });
  });

  it("an approval gate is listed, survives a stop, and an approved run continues in a one-shot run", async () => {
    const trigger = await runCli(
      ["daemon", "trigger", "--handler", "release", "--payload", '{"version":"9.9.9"}', "--config", configPath],
      { env },
    );
    assert.equal(trigger.code, 0, trigger.stderr);
    const listed = await waitFor(async () => {
      const r = await runCli(["approvals", "--json", "--config", configPath], { env });
      const parked = JSON.parse(r.stdout || "[]") as { id: string; gate: { stage: string; prompt: string } }[];
      return parked[0];
    }, "the run waiting at the gate");
    assert.equal(listed.gate.stage, "ship");
    assert.equal(listed.gate.prompt, "Ship 9.9.9? [echo model=echo]\nPlan 9.9.9");
    const text = await runCli(["approvals", "--config", configPath], { env });
    assert.match(text.stdout, /ship +before_stage/);
    assert.match(text.stdout, /asks:\n {2}Ship 9\.9\.9\?/);

    // Stop the daemon: the waiting run stays in the store.
    assert.equal(await daemon!.stop(), 0);
    daemon = undefined;
    const offline = await runCli(["approvals", "--json", "--config", configPath], { env });
    assert.equal((JSON.parse(offline.stdout) as unknown[]).length, 1);
    const approve = await runCli(["approve", listed.id, "-m", "go", "--config", configPath], { env });
    assert.equal(approve.code, 0, approve.stderr);
    assert.match(approve.stdout, /approved: .* continues when the daemon next runs/);

    // mode: one-shot: `evd daemon` runs what is pending and exits by itself.
    const oneShot = await runCli(["daemon", "--config", configPath], {
      env: { ...env, EVD_MODE: "one-shot" },
      cwd: tmp.dir,
    });
    assert.equal(oneShot.code, 0, oneShot.stderr);
    assert.match(oneShot.stdout, /one-shot: 1 run\(s\): 1 succeeded/);
    const hist = await runCli(["daemon", "history", "--json", "--handler", "release", "--config", configPath], { env });
    const runs = JSON.parse(hist.stdout) as { status: string; output: unknown; actions_taken: string[] }[];
    assert.deepEqual(
      runs.map((r) => r.status),
      ["succeeded", "parked"],
    );
    assert.equal(runs[0]!.output, "[echo model=echo]\nShipped 9.9.9");
    assert.ok(runs[0]!.actions_taken.includes("approval:ship:approved"));
    const deny = await runCli(["deny", listed.id, "--config", configPath], { env });
    assert.equal(deny.code, 1);
    assert.match(deny.stderr, /is COMPLETED, not waiting at an approval gate/);
  });

  it("the library example runs as written", async () => {
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, ["--import", "tsx", "examples/library/run.ts"], {
        cwd: repoRoot,
        env: { ...process.env, NODE_NO_WARNINGS: "1" },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      p.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
      p.once("exit", (code) => resolve({ code, out }));
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /handleEvent -> "\[echo model=echo\]\\nSay hello to Ada"/);
    assert.match(r.out, /webhook -> 202 /);
    assert.match(r.out, /daemon ran -> "\[echo model=echo\]\\nRelease notes for 1\.2\.3 in production"/);
    assert.match(r.out, /stopped/);
  });
});
