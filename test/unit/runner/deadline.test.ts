import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { FINISH_MARGIN_MS, fitsBefore, jobDeadline, runnerTimeoutIssues } from "../../../shared/runner/deadline.ts";

describe("job deadline in the runner Lambda", () => {
  it("keeps the finish margin out of the remaining time, never going below now", () => {
    assert.equal(jobDeadline(1_000, 100_000), 1_000 + 100_000 - FINISH_MARGIN_MS);
    assert.equal(jobDeadline(1_000, 10_000), 1_000);
    assert.equal(jobDeadline(0, 5_000, 1_000), 4_000);
  });

  it("says whether a run's whole timeout fits before the deadline", () => {
    assert.equal(fitsBefore(10_000, 0, 10_000), true);
    assert.equal(fitsBefore(10_000, 1, 10_000), false);
  });

  it("lists each handler whose timeout plus the margin exceeds the runner's timeout (900 s by default)", () => {
    const config = OrchestratorConfig.parse({
      handlers: { fine: { prompt: "x" }, long: { prompt: "y", timeout_ms: 880_000 } },
    });
    assert.deepEqual(
      runnerTimeoutIssues(config).map((i) => i.path),
      ["handlers.long.timeout_ms"],
    );
    const tight = OrchestratorConfig.parse({ ...config, cloud: { runner_timeout_seconds: 300 } });
    assert.deepEqual(
      runnerTimeoutIssues(tight).map((i) => i.path),
      ["handlers.fine.timeout_ms", "handlers.long.timeout_ms"],
      "the default 300 s handler timeout does not fit a 300 s runner",
    );
  });
});
