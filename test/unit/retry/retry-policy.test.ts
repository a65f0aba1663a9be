import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { backoffDelayMs, retryPolicyFor, isLastAttempt, type RetryPolicy } from "../../../shared/retry/retry-policy.ts";

const exp: RetryPolicy = { max_attempts: 4, backoff: "exponential", initial_delay_ms: 1000, max_delay_ms: 5000 };

describe("retry policy", () => {
  it("draws exponential delays with full jitter under a doubling, capped ceiling", () => {
    const top = () => 0.999999;
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((a) => backoffDelayMs(exp, a, top)),
      [999, 1999, 3999, 4999, 4999],
    );
    assert.deepEqual(
      [1, 2, 3].map((a) => backoffDelayMs(exp, a, () => 0)),
      [0, 0, 0],
    );
    assert.equal(
      backoffDelayMs(exp, 2, () => 0.5),
      1000,
    );
    const seeded = [0.1, 0.7, 0.3];
    for (const [i, r] of seeded.entries()) {
      const d = backoffDelayMs(exp, i + 1, () => r);
      assert.ok(d >= 0 && d < Math.min(5000, 1000 * 2 ** i));
    }
  });

  it("waits the same fixed delay every time (capped)", () => {
    const fixed: RetryPolicy = { ...exp, backoff: "fixed", initial_delay_ms: 2000 };
    assert.deepEqual(
      [1, 2, 5].map((a) => backoffDelayMs(fixed, a)),
      [2000, 2000, 2000],
    );
    assert.equal(backoffDelayMs({ ...fixed, max_delay_ms: 500 }, 1), 500);
  });

  it("dead-letters after max_attempts", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((a) => isLastAttempt(exp, a)),
      [false, false, false, true, true],
    );
  });

  it("takes the handler's retry, else the config's", () => {
    const config = OrchestratorConfig.parse({
      handlers: { a: { prompt: "x", retry: { max_attempts: 7, backoff: "fixed" } }, b: { prompt: "y" } },
    });
    assert.equal(retryPolicyFor(config, "a").max_attempts, 7);
    assert.equal(retryPolicyFor(config, "b").max_attempts, config.retry.max_attempts);
  });
});
