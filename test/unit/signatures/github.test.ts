import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sign as octokitSign, verify as octokitVerify } from "@octokit/webhooks-methods";
import { signGithub } from "../../../shared/signatures/sign.ts";
import { verifySignature } from "../../../shared/signatures/verify.ts";
import type { SignedRequest } from "../../../shared/signatures/verify.ts";
import { githubExample, signedGithubDelivery } from "../../fixtures/github.ts";

const SECRET = "It's a Secret to Everybody";

function request(body: Uint8Array | string, signature: string | undefined): SignedRequest {
  const rawBody = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return { headers: { "x-hub-signature-256": signature, "x-github-event": "push" }, rawBody };
}

describe("github signature (X-Hub-Signature-256)", () => {
  it("matches GitHub's published test vector", async () => {
    // docs.github.com, "Validating webhook deliveries", "Testing the webhook payload validation".
    const published = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    assert.equal(await signGithub(SECRET, "Hello, World!"), published);
    assert.deepEqual(await verifySignature("github", SECRET, request("Hello, World!", published)), { ok: true });
    assert.deepEqual(await verifySignature("github", SECRET, request("Hello, World?", published)), {
      ok: false,
      reason: "signature mismatch",
    });
  });

  for (const [event, action] of [
    ["pull_request", "opened"],
    ["pull_request", "synchronize"],
    ["push", undefined],
  ] as const) {
    it(`verifies a real ${event}${action ? ` ${action}` : ""} payload from @octokit/webhooks-examples, signed in the test`, async () => {
      const body = JSON.stringify(githubExample(event, action));
      const signature = await signGithub("s3cret", body);
      assert.equal(signature, await octokitSign("s3cret", body), "same value as @octokit/webhooks-methods sign()");
      assert.deepEqual(await verifySignature("github", "s3cret", request(body, signature)), { ok: true });

      const delivery = signedGithubDelivery({ event, payload: githubExample(event, action), secret: "s3cret" });
      assert.deepEqual(
        await verifySignature("github", "s3cret", request(delivery.body, delivery.headers["x-hub-signature-256"])),
        { ok: true },
      );

      const tampered = body.replace(/"number":\s*\d+|"ref":\s*"[^"]*"/, (m) => `${m.slice(0, -1)}9${m.slice(-1)}`);
      assert.notEqual(tampered, body);
      assert.deepEqual(await verifySignature("github", "s3cret", request(tampered, signature)), {
        ok: false,
        reason: "signature mismatch",
      });
      assert.deepEqual(await verifySignature("github", "wrong", request(body, signature)), {
        ok: false,
        reason: "signature mismatch",
      });
    });
  }

  it("signs the raw bytes: pretty-printed and compact JSON of the same payload are different deliveries", async () => {
    const payload = githubExample("pull_request", "opened");
    const compact = JSON.stringify(payload);
    const pretty = JSON.stringify(payload, null, 2);
    const signature = await signGithub("s3cret", pretty);
    assert.deepEqual(await verifySignature("github", "s3cret", request(pretty, signature)), { ok: true });
    assert.deepEqual(await verifySignature("github", "s3cret", request(compact, signature)), {
      ok: false,
      reason: "signature mismatch",
    });
  });

  it("keeps unicode and a leading byte-order mark exactly as sent", async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"title":"Grüße 🚀 — ✓"}', "utf8")]);
    const signature = await signGithub("s3cret", body);
    assert.deepEqual(await verifySignature("github", "s3cret", request(body, signature)), { ok: true });
    const withoutBom = body.subarray(3);
    assert.deepEqual(await verifySignature("github", "s3cret", request(withoutBom, signature)), {
      ok: false,
      reason: "signature mismatch",
    });
  });

  it("refuses a body that is not UTF-8 instead of hashing a lossy decoding of it", async () => {
    const a = Buffer.from([0x7b, 0xff, 0x7d]);
    const b = Buffer.from([0x7b, 0xfe, 0x7d]);
    const signatureOfA = await signGithub("s3cret", a);
    assert.deepEqual(await verifySignature("github", "s3cret", request(a, signatureOfA)), {
      ok: false,
      reason: "body is not valid UTF-8",
    });
    assert.deepEqual(await verifySignature("github", "s3cret", request(b, signatureOfA)), {
      ok: false,
      reason: "body is not valid UTF-8",
    });
  });

  it("accepts upper-case hex and rejects bad headers with a precise reason, without throwing", async () => {
    const body = '{"zen":"Keep it logically awesome."}';
    const signature = await signGithub("s3cret", body);
    assert.deepEqual(
      await verifySignature("github", "s3cret", request(body, `sha256=${signature.slice(7).toUpperCase()}`)),
      { ok: true },
    );
    const cases: [string | undefined, string][] = [
      [undefined, "missing X-Hub-Signature-256 header"],
      ["", "missing X-Hub-Signature-256 header"],
      ["   ", "missing X-Hub-Signature-256 header"],
      [signature.slice(7), "malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)"],
      [`sha1=${signature.slice(7)}`, "malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)"],
      [signature.slice(0, -2), "malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)"],
      [`${signature}00`, "malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)"],
      [`sha256=${"z".repeat(64)}`, "malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)"],
      [`sha256=${"0".repeat(64)}`, "signature mismatch"],
    ];
    for (const [header, reason] of cases) {
      assert.deepEqual(
        await verifySignature("github", "s3cret", request(body, header)),
        { ok: false, reason },
        `header ${JSON.stringify(header)}`,
      );
    }
  });

  it("rejects an empty body (octokit's verify would throw on it)", async () => {
    const signature = await signGithub("s3cret", "x");
    assert.deepEqual(await verifySignature("github", "s3cret", request(new Uint8Array(0), signature)), {
      ok: false,
      reason: "empty body",
    });
  });

  it("agrees with @octokit/webhooks-methods verify() on valid and invalid signatures", async () => {
    const body = JSON.stringify(githubExample("push"));
    for (const secret of ["s3cret", "ünïcödé secret", "a".repeat(200)]) {
      const good = await octokitSign(secret, body);
      const bad = `sha256=${"f".repeat(64)}`;
      for (const signature of [good, bad]) {
        const ours = await verifySignature("github", secret, request(body, signature));
        assert.equal(ours.ok, await octokitVerify(secret, body, signature));
      }
    }
  });

  it("never echoes the secret or the expected signature in a reason", async () => {
    const body = JSON.stringify(githubExample("pull_request", "opened"));
    const expected = await signGithub("topsecret-value", body);
    const result = await verifySignature("github", "topsecret-value", request(body, `sha256=${"a".repeat(64)}`));
    assert.equal(result.ok, false);
    assert.ok(!result.ok && !result.reason.includes("topsecret") && !result.reason.includes(expected.slice(7, 20)));
  });
});
