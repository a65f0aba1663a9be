/** The step trace of a run: rendered input, output or error, timings; long values cut. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../shared/config/parse.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { createPipelineRunner, mapRecipeSource } from "../../../shared/pipeline/create-pipeline-runner.ts";
import { StepTraceLog } from "../../../shared/pipeline/step-trace-log.ts";
import { jobFor, mapSecrets, signal, testEvent } from "./support.ts";

function runnerFor(handlers: string, recipes: Record<string, string> = {}) {
  let t = 1_000;
  const cfg = parseConfig(parseYaml(`handlers:\n${handlers}`), { where: "test.yaml", env: {} });
  return createPipelineRunner(cfg, {
    recipes: mapRecipeSource(recipes),
    secrets: mapSecrets({}),
    filesystemRoot: "/nonexistent",
    logger: silentLogger,
    stepRetryDelayMs: 1,
    clock: { now: () => (t += 5) },
  });
}

describe("step trace", () => {
  it("records each step's rendered input, output, status and timings; skipped and failed steps too", async () => {
    const runner = runnerFor(`
  h:
    steps:
      - prompt: "Hello {payload.name}"
        as: greeting
      - prompt: "never"
        condition: "{payload.name} == 'nobody'"
      - tool: tool-filesystem
        action: read
        path: "../outside.txt"
        on_error: continue
      - prompt: "after {greeting}"
`);
    const out = await runner.run(jobFor(testEvent("manual", { name: "Ada" }), "h"), { signal: signal() });
    assert.equal(out.success, true, out.error);
    const steps = out.steps ?? [];
    assert.deepEqual(
      steps.map((s) => [s.step, s.kind, s.status]),
      [
        ["steps[0]", "prompt", "succeeded"],
        ["steps[1]", "prompt", "skipped"],
        ["steps[2]", "tool", "failed"],
        ["steps[3]", "prompt", "succeeded"],
      ],
    );
    assert.deepEqual(steps[0]!.input, { prompt: "Hello Ada" });
    assert.match(String(steps[0]!.output), /Hello Ada/);
    assert.equal(steps[0]!.action, "prompt:echo");
    assert.ok(steps[0]!.duration_ms > 0);
    assert.match(steps[0]!.started_at, /^1970-01-01T00:00:01/);
    assert.match(steps[1]!.reason ?? "", /condition/);
    assert.deepEqual(steps[2]!.input, { path: "../outside.txt" });
    assert.match(steps[2]!.error ?? "", /^steps\[2\]/);
    assert.match(String(steps[3]!.input && (steps[3]!.input as { prompt: string }).prompt), /^after /);
  });

  it("keeps a recipe step before the steps it ran, and the failing step of a failed run", async () => {
    const runner = runnerFor(
      `
  h:
    steps:
      - recipe: r
        context: { who: "{payload.name}" }
`,
      { r: "name: r\nsteps:\n  - prompt: 'hi {who}'\n  - prompt: '{payload.missing}'\n" },
    );
    const out = await runner.run(jobFor(testEvent("manual", { name: "Bo" }), "h"), { signal: signal() });
    assert.equal(out.success, false);
    const steps = out.steps ?? [];
    assert.deepEqual(
      steps.map((s) => [s.step, s.status]),
      [
        ["steps[0]", "failed"],
        ["recipe r steps[0]", "succeeded"],
        ["recipe r steps[1]", "failed"],
      ],
    );
    assert.deepEqual(steps[0]!.input, { who: "Bo" });
    assert.match(steps[2]!.error ?? "", /payload\.missing/);
  });

  it("cuts long values and stops keeping values past the total budget", () => {
    let t = 0;
    const log = new StepTraceLog(() => t++, { maxValueChars: 10, maxTotalChars: 15 });
    const a = log.step({ where: "a", kind: "prompt", index: 0 });
    a.input?.("0123456789abcdef");
    a.end({ action: "prompt:echo", output: "short" });
    const b = log.step({ where: "b", kind: "prompt", index: 1 });
    b.input?.("more text here");
    b.end({ action: "prompt:echo", output: "x" });
    const [first, second] = log.entries();
    assert.equal(first!.input, "0123456789… (6 more characters)");
    assert.equal(first!.output, "short");
    assert.match(String(second!.input), /^\(not kept: the trace reached its size limit/);
  });
});
