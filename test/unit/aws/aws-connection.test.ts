import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SDK_TIMEOUTS, INGEST_SDK_TIMEOUTS, sdkConfig } from "../../../shared/aws/aws-connection.ts";

describe("SDK client configuration", () => {
  it("gives every client explicit connect and request timeouts that fail the call, not just warn", () => {
    const c = sdkConfig({});
    assert.deepEqual(c.requestHandler, {
      connectionTimeout: DEFAULT_SDK_TIMEOUTS.connectMs,
      requestTimeout: DEFAULT_SDK_TIMEOUTS.requestMs,
      throwOnRequestTimeout: true,
    });
    assert.equal(c.maxAttempts, DEFAULT_SDK_TIMEOUTS.maxAttempts);
  });

  it("keeps the ingest's worst case for one call (every try timing out) well under GitHub's 10 s", () => {
    const t = INGEST_SDK_TIMEOUTS;
    assert.ok(t.maxAttempts * (t.connectMs + t.requestMs) <= 4_000);
    assert.equal(sdkConfig({ timeouts: t }).requestHandler.requestTimeout, t.requestMs);
  });
});
