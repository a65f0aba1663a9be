import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../../shared/config/parse.ts";
import {
  configSecretValues,
  REDACTED,
  secretScrubber,
  shapeScrubber,
} from "../../../shared/secrets/secret-scrubber.ts";

describe("secret scrubber", () => {
  it("replaces every configured value, also as escaped inside JSON", () => {
    const s = secretScrubber(['pa"ss-word-1', "short", undefined, "hunter2-hunter2"]);
    assert.equal(s.knownValues, 3, "the value, its JSON-escaped form and the other value; short ones ignored");
    assert.equal(s.scrub("login hunter2-hunter2 failed"), `login ${REDACTED} failed`);
    const line = JSON.stringify({ error: 'key "pa"ss-word-1" refused' });
    assert.ok(!s.scrub(line).includes("ss-word-1"), s.scrub(line));
    assert.equal(s.scrub("short stays"), "short stays");
  });

  it("masks common key shapes nobody configured", () => {
    const samples = [
      "Incorrect API key provided: sk-proj-abcdefghijklmnop1234567890. You can find your API key at ...",
      "invalid x-api-key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv",
      "Bad credentials for ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      "token github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
      "slack said invalid_auth for xoxb-1234567890-abcdefghij",
      "posting to https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX failed",
      "The security token AKIAIOSFODNN7EXAMPLE is invalid",
      "secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw rejected",
      "key=AIzaSyA1234567890abcdefghijklmnopqrstuv",
      "Authorization: Bearer abcdef0123456789abcdef0123456789",
      "fetch https://deploy:s3cr3t-pass@example.com/x failed",
    ];
    for (const text of samples) {
      const out = shapeScrubber.scrub(text);
      assert.ok(out.includes(REDACTED), `${text} -> ${out}`);
    }
    assert.equal(
      shapeScrubber.scrub("Authorization: Bearer abcdef0123456789abcdef0123456789"),
      `Authorization: Bearer ${REDACTED}`,
    );
    assert.equal(
      shapeScrubber.scrub("https://deploy:s3cr3t-pass@example.com/x"),
      `https://deploy:${REDACTED}@example.com/x`,
    );
    assert.equal(
      shapeScrubber.scrub("a plain sentence about sk-1 and tokens"),
      "a plain sentence about sk-1 and tokens",
    );
  });

  it("collects the config's secrets: references from the environment, literals as written, secret-named variables", () => {
    const config = parseConfig(
      {
        sources: [{ type: "webhook", path: "/h", secret: "${HOOK_SECRET}", handler: "h" }],
        handlers: { h: { prompt: "hi" } },
        providers: { oa: { kind: "openai", api_key: "literal-api-key-123" } },
      },
      { where: "test", env: {} },
    );
    const values = configSecretValues(config, {
      HOOK_SECRET: "hook-secret-value",
      DEPLOY_TOKEN: "deploy-token-value",
      HOME: "/home/someone",
    });
    assert.ok(values.includes("hook-secret-value"));
    assert.ok(values.includes("literal-api-key-123"));
    assert.ok(values.includes("deploy-token-value"));
    assert.ok(!values.includes("/home/someone"));
  });
});
