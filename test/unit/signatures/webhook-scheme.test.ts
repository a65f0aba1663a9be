import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeWebhookScheme, webhookScheme } from "../../../shared/signatures/webhook-scheme.ts";

describe("webhook signature scheme", () => {
  it("`signature` wins; else a whsec_ secret means Standard Webhooks, any other HMAC-SHA256", () => {
    assert.equal(webhookScheme("github", "whsec_abc"), "github");
    assert.equal(webhookScheme(undefined, "whsec_abc"), "standard-webhooks");
    assert.equal(webhookScheme(undefined, "plain"), "hmac-sha256");
    assert.equal(webhookScheme(undefined, undefined), "hmac-sha256");
  });

  it("evd validate names the scheme and why, reading a reference only for its prefix", () => {
    const env: Record<string, string> = { SW: "whsec_abc", PLAIN: "s3cret" };
    const lookup = (n: string) => env[n];
    assert.equal(describeWebhookScheme("none", undefined, undefined, lookup), "none: set by `signature`");
    assert.equal(
      describeWebhookScheme(undefined, "${SW}", "SW", lookup),
      "standard-webhooks: the secret is a whsec_ one",
    );
    assert.equal(
      describeWebhookScheme(undefined, "${PLAIN}", "PLAIN", lookup),
      "hmac-sha256: the secret is not a whsec_ one",
    );
    assert.equal(
      describeWebhookScheme(undefined, "${UNSET}", "UNSET", lookup),
      "hmac-sha256, or standard-webhooks if ${UNSET} holds a whsec_ secret",
    );
    assert.ok(!describeWebhookScheme(undefined, "${PLAIN}", "PLAIN", lookup).includes("s3cret"));
  });
});
