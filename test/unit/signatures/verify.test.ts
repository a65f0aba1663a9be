import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { signGithub, signHmacSha256, signStandardWebhook } from "../../../shared/signatures/sign.ts";
import {
  SIGNATURE_SCHEMES,
  SignatureError,
  assertUsableSecret,
  verifySignature,
} from "../../../shared/signatures/verify.ts";
import type { SignatureScheme, SignedRequest } from "../../../shared/signatures/verify.ts";

const BODY = Buffer.from('{"environment":"production"}');
const SW_SECRET = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;

async function signedFor(scheme: SignatureScheme, secret: string, nowMs: number): Promise<SignedRequest> {
  const seconds = Math.floor(nowMs / 1000);
  return {
    rawBody: BODY,
    headers: {
      "x-hub-signature-256": scheme === "github" ? await signGithub(secret, BODY) : undefined,
      "x-signature": scheme === "hmac-sha256" ? signHmacSha256(secret, BODY) : undefined,
      "webhook-id": "msg_1",
      "webhook-timestamp": String(seconds),
      "webhook-signature":
        scheme === "standard-webhooks" ? signStandardWebhook(secret, "msg_1", seconds, BODY) : undefined,
    },
  };
}

describe("verifySignature", () => {
  it("knows exactly the four schemes", () => {
    assert.deepEqual([...SIGNATURE_SCHEMES].sort(), ["github", "hmac-sha256", "none", "standard-webhooks"]);
  });

  it("each scheme accepts its own signature and rejects the others' headers", async () => {
    const nowMs = 1_700_000_000_000;
    const secrets = { github: "gh-secret", "hmac-sha256": "hmac-secret", "standard-webhooks": SW_SECRET } as const;
    for (const scheme of ["github", "hmac-sha256", "standard-webhooks"] as const) {
      assert.deepEqual(
        await verifySignature(scheme, secrets[scheme], await signedFor(scheme, secrets[scheme], nowMs), { nowMs }),
        { ok: true },
        scheme,
      );
      for (const other of ["github", "hmac-sha256", "standard-webhooks"] as const) {
        if (other === scheme) continue;
        const result = await verifySignature(scheme, secrets[scheme], await signedFor(other, secrets[other], nowMs), {
          nowMs,
        });
        assert.equal(result.ok, false, `${scheme} must not accept a ${other} signature`);
        assert.match(!result.ok ? result.reason : "", /^missing /);
      }
    }
  });

  it("scheme none accepts anything, even without a secret", async () => {
    assert.deepEqual(await verifySignature("none", "", { headers: {}, rawBody: BODY }), { ok: true });
  });

  it("an empty secret is a configuration error, for every signing scheme", async () => {
    for (const scheme of ["github", "hmac-sha256", "standard-webhooks"] as const) {
      assert.throws(() => assertUsableSecret(scheme, ""), SignatureError);
      await assert.rejects(verifySignature(scheme, "", { headers: {}, rawBody: BODY }), /need a secret/);
    }
    assert.doesNotThrow(() => assertUsableSecret("none", ""));
  });

  it("an unknown scheme from untyped config is an error naming it", async () => {
    await assert.rejects(
      verifySignature("rsa" as SignatureScheme, "s", { headers: {}, rawBody: BODY }),
      /unknown signature scheme "rsa"/,
    );
  });
});
