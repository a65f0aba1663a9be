/** `evd event` run as a user runs it: the real CLI entry in a child process. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { EventResult } from "../../../shared/events/event.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "evd-event-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function evd(...args: string[]) {
  const res = spawnSync(process.execPath, ["local/cli/bin.mjs", "event", ...args], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  const results = res.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EventResult);
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, results };
}

const multi = join(dir, "multi.yaml");
writeFileSync(
  multi,
  [
    "sources:",
    "  - {type: webhook, path: /hooks/a, secret: s, handler: on-a}",
    "  - {type: webhook, path: /hooks/b, secret: s, handler: on-b}",
    "  - {type: git_pr, events: [opened], handler: on-pr}",
    "handlers:",
    "  on-a: {prompt: 'A got {payload.v}'}",
    "  on-b: {prompt: 'B got {payload.v}'}",
    "  on-pr: {prompt: 'Review #{payload.number}'}",
    "  broken: {prompt: 'needs {payload.missing}'}",
    "",
  ].join("\n"),
);

describe("evd event", () => {
  it("runs the spec's webhook example and prints a successful EventResult with the rendered prompt", () => {
    const r = evd(
      "--type",
      "webhook",
      "--payload",
      '{"environment":"production","version":"1.2.3"}',
      "--config",
      "examples/webhook-integration.yaml",
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.results.length, 1);
    const [result] = r.results;
    assert.equal(result!.success, true);
    assert.equal(result!.handler, "on-deploy");
    assert.equal(result!.status, "succeeded");
    assert.match(String(result!.output), /\[echo/);
    assert.match(String(result!.output), /Environment: production/);
    assert.match(String(result!.output), /Version: 1\.2\.3/);
  });

  it("prints the spec's EventResult fields first and always, `error: null` on success", () => {
    const r = evd("--type", "manual", "--handler", "on-a", "--payload", '{"v":1}', "--config", multi);
    assert.equal(r.status, 0, r.stderr);
    const line = JSON.parse(r.stdout.split("\n")[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(line).slice(0, 5), ["event_id", "success", "actions_taken", "output", "error"]);
    assert.equal(line.error, null);
    const failed = evd("--type", "manual", "--handler", "broken", "--config", multi);
    const bad = JSON.parse(failed.stdout.split("\n")[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(bad).slice(0, 5), ["event_id", "success", "actions_taken", "output", "error"]);
    assert.equal(bad.output, null);
    assert.match(String(bad.error), /payload\.missing/);
  });

  it("picks the webhook source with --source, takes --id, and refuses to guess between several", () => {
    const r = evd(
      "--type",
      "webhook",
      "--source",
      "/hooks/b",
      "--id",
      "evt-42",
      "--payload",
      '{"v":7}',
      "--config",
      multi,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.results[0]!.job_id, "evt-42#on-b");
    assert.match(String(r.results[0]!.output), /B got 7/);
    const ambiguous = evd("--type", "webhook", "--payload", "{}", "--config", multi);
    assert.equal(ambiguous.status, 2);
    assert.match(ambiguous.stderr, /several webhook sources.*\/hooks\/a, \/hooks\/b/);
  });

  it("routes a git_pr payload through the PR source's filters", () => {
    const r = evd("--type", "git_pr", "--payload", '{"action":"opened","number":7}', "--config", multi);
    assert.equal(r.status, 0, r.stderr);
    assert.match(String(r.results[0]!.output), /Review #7/);
    const none = evd("--type", "git_pr", "--payload", '{"action":"closed","number":7}', "--config", multi);
    assert.equal(none.status, 0);
    assert.equal(none.results.length, 0);
    assert.match(none.stderr, /no handler matches/);
  });

  it("exits 1 when a handler fails, printing the failed result", () => {
    const r = evd("--type", "manual", "--handler", "broken", "--config", multi);
    assert.equal(r.status, 1);
    assert.equal(r.results[0]!.success, false);
    assert.match(r.results[0]!.error ?? "", /payload\.missing/);
  });

  it("exits 2 on bad input with a clear message", () => {
    const unknownHandler = evd("--type", "manual", "--handler", "nope", "--config", multi);
    assert.equal(unknownHandler.status, 2);
    assert.match(unknownHandler.stderr, /unknown handler "nope"; handlers: on-a, on-b, on-pr, broken/);
    const badJson = evd("--type", "manual", "--payload", "{nope", "--config", multi);
    assert.equal(badJson.status, 2);
    assert.match(badJson.stderr, /--payload is not valid JSON/);
  });
});
