import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { signStandardWebhook } from "../../../shared/signatures/sign.ts";
import { SignatureError, assertUsableSecret, verifySignature } from "../../../shared/signatures/verify.ts";
import type { SignedRequest } from "../../../shared/signatures/verify.ts";
import { githubExample } from "../../fixtures/github.ts";

// The Standard Webhooks reference test vector, verbatim from
// standard-webhooks/standard-webhooks libraries/javascript/src/webhook.test.ts ("sign function works").
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  msgId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  expected: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
} as const;
// The same suite's other fixed values: the bare (unprefixed) secret and a non-matching v1 signature.
const BARE_SECRET = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SIGNATURE = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

const AT_VECTOR = VECTOR.timestamp * 1000;

function request(
  headers: Record<string, string | undefined>,
  body: string | Uint8Array = VECTOR.payload,
): SignedRequest {
  return { headers, rawBody: typeof body === "string" ? Buffer.from(body, "utf8") : body };
}

function vectorHeaders(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    "webhook-id": VECTOR.msgId,
    "webhook-timestamp": String(VECTOR.timestamp),
    "webhook-signature": VECTOR.expected,
    ...overrides,
  };
}

describe("Standard Webhooks signature", () => {
  it("reproduces the spec's published test vector", () => {
    assert.equal(signStandardWebhook(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload), VECTOR.expected);
    assert.equal(
      signStandardWebhook(BARE_SECRET, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload),
      VECTOR.expected,
      "whsec_ prefix is optional",
    );
  });

  it("verifies the published vector at its own time, with and without the whsec_ prefix", async () => {
    for (const secret of [VECTOR.secret, BARE_SECRET]) {
      assert.deepEqual(
        await verifySignature("standard-webhooks", secret, request(vectorHeaders()), { nowMs: AT_VECTOR }),
        { ok: true },
      );
    }
  });

  it("accepts when any one of several space-separated signatures matches; other versions are ignored", async () => {
    const many = [OTHER_SIGNATURE, OTHER_SIGNATURE.replace("v1,", "v2,"), VECTOR.expected, OTHER_SIGNATURE].join(" ");
    assert.deepEqual(
      await verifySignature("standard-webhooks", VECTOR.secret, request(vectorHeaders({ "webhook-signature": many })), {
        nowMs: AT_VECTOR,
      }),
      { ok: true },
    );
    const joinedByNode = [OTHER_SIGNATURE, VECTOR.expected].join(", ");
    assert.deepEqual(
      await verifySignature(
        "standard-webhooks",
        VECTOR.secret,
        request(vectorHeaders({ "webhook-signature": joinedByNode })),
        { nowMs: AT_VECTOR },
      ),
      { ok: true },
      'repeated headers joined with ", "',
    );
    const none = [OTHER_SIGNATURE, OTHER_SIGNATURE].join(" ");
    assert.deepEqual(
      await verifySignature("standard-webhooks", VECTOR.secret, request(vectorHeaders({ "webhook-signature": none })), {
        nowMs: AT_VECTOR,
      }),
      { ok: false, reason: "signature mismatch" },
    );
    const onlyV2 = VECTOR.expected.replace("v1,", "v2,");
    assert.deepEqual(
      await verifySignature(
        "standard-webhooks",
        VECTOR.secret,
        request(vectorHeaders({ "webhook-signature": onlyV2 })),
        { nowMs: AT_VECTOR },
      ),
      { ok: false, reason: "no v1 signature in webhook-signature header" },
    );
  });

  it("enforces the 5-minute tolerance in both directions, boundaries included", async () => {
    const verifyAt = (nowMs: number, opts: { toleranceSeconds?: number } = {}) =>
      verifySignature("standard-webhooks", VECTOR.secret, request(vectorHeaders()), { nowMs, ...opts });
    assert.deepEqual(await verifyAt(AT_VECTOR + 300_000), { ok: true });
    assert.deepEqual(await verifyAt(AT_VECTOR - 300_000), { ok: true });
    assert.deepEqual(await verifyAt(AT_VECTOR + 301_000), {
      ok: false,
      reason: "timestamp outside the 300 s tolerance (too old)",
    });
    assert.deepEqual(await verifyAt(AT_VECTOR - 301_000), {
      ok: false,
      reason: "timestamp outside the 300 s tolerance (too new)",
    });
    assert.deepEqual(await verifyAt(AT_VECTOR + 61_000, { toleranceSeconds: 60 }), {
      ok: false,
      reason: "timestamp outside the 60 s tolerance (too old)",
    });
  });

  it("signs the id and timestamp too: changing either breaks the signature", async () => {
    const at = { nowMs: AT_VECTOR };
    const mismatch = { ok: false, reason: "signature mismatch" };
    assert.deepEqual(
      await verifySignature(
        "standard-webhooks",
        VECTOR.secret,
        request(vectorHeaders({ "webhook-id": "msg_other" })),
        at,
      ),
      mismatch,
    );
    assert.deepEqual(
      await verifySignature(
        "standard-webhooks",
        VECTOR.secret,
        request(vectorHeaders({ "webhook-timestamp": String(VECTOR.timestamp + 1) })),
        at,
      ),
      mismatch,
    );
    assert.deepEqual(
      await verifySignature("standard-webhooks", VECTOR.secret, request(vectorHeaders(), '{"test": 2432232315}'), at),
      mismatch,
    );
    assert.deepEqual(
      await verifySignature(
        "standard-webhooks",
        "whsec_" + Buffer.from("another key of 24 bytes!").toString("base64"),
        request(vectorHeaders()),
        at,
      ),
      mismatch,
    );
  });

  it("names missing and malformed headers", async () => {
    const at = { nowMs: AT_VECTOR };
    const cases: [Record<string, string | undefined>, string][] = [
      [{ "webhook-id": undefined }, "missing webhook-id header"],
      [{ "webhook-timestamp": undefined }, "missing webhook-timestamp header"],
      [{ "webhook-signature": undefined }, "missing webhook-signature header"],
      [{ "webhook-signature": "" }, "missing webhook-signature header"],
      [{ "webhook-timestamp": "hello" }, "malformed webhook-timestamp header (expected Unix seconds)"],
      [{ "webhook-timestamp": "1614265330.5" }, "malformed webhook-timestamp header (expected Unix seconds)"],
      [{ "webhook-timestamp": "-1614265330" }, "malformed webhook-timestamp header (expected Unix seconds)"],
      [
        { "webhook-signature": "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
        "malformed webhook-signature header (expected space-separated v1,<base64>)",
      ],
      [{ "webhook-signature": "v1," }, "malformed webhook-signature header (expected space-separated v1,<base64>)"],
      [{ "webhook-signature": "v1:abc" }, "malformed webhook-signature header (expected space-separated v1,<base64>)"],
      [{ "webhook-signature": VECTOR.expected.slice(0, 8) }, "signature mismatch"],
      [{ "webhook-signature": "v1,dawfeoifkpqwoekfpqoekf" }, "signature mismatch"],
      [{ "webhook-signature": `${VECTOR.expected}AAAA` }, "signature mismatch"],
    ];
    for (const [overrides, reason] of cases) {
      assert.deepEqual(
        await verifySignature("standard-webhooks", VECTOR.secret, request(vectorHeaders(overrides)), at),
        { ok: false, reason },
        JSON.stringify(overrides),
      );
    }
  });

  it("agrees with the reference standardwebhooks package, both ways, on real payloads", async () => {
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    const reference = new Webhook(secret);
    const nowMs = Date.now();
    const timestamp = Math.floor(nowMs / 1000);
    for (const payload of [githubExample("pull_request", "opened"), githubExample("push"), { text: "Grüße 🚀" }]) {
      const body = JSON.stringify(payload);
      const id = `msg_${randomBytes(8).toString("hex")}`;
      const ours = signStandardWebhook(secret, id, timestamp, body);
      assert.equal(ours, reference.sign(id, new Date(timestamp * 1000), body));
      const headers = { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": ours };
      assert.deepEqual(reference.verify(body, headers), payload);
      assert.deepEqual(await verifySignature("standard-webhooks", secret, request(headers, body), { nowMs }), {
        ok: true,
      });
      const tampered = body.replace(/.$/, " }");
      assert.throws(() => reference.verify(tampered, headers));
      assert.deepEqual(await verifySignature("standard-webhooks", secret, request(headers, tampered), { nowMs }), {
        ok: false,
        reason: "signature mismatch",
      });
    }
  });

  it("refuses a secret that is not base64, at config time, without echoing it", () => {
    for (const secret of ["not base64 at all!", "whsec_***", "whsec_", ""]) {
      assert.throws(
        () => assertUsableSecret("standard-webhooks", secret),
        (err: unknown) => {
          assert.ok(err instanceof SignatureError);
          assert.equal(err.name, "SignatureError");
          if (secret.length > 6)
            assert.ok(!err.message.includes(secret.replace("whsec_", "")), "the message must not echo the secret");
          return true;
        },
      );
    }
    assert.doesNotThrow(() => assertUsableSecret("standard-webhooks", VECTOR.secret));
    assert.doesNotThrow(() => assertUsableSecret("standard-webhooks", BARE_SECRET));
    // The reference package refuses the same secret (it base64-decodes whatever follows whsec_).
    assert.throws(() => new Webhook("not base64 at all!"));
  });

  it("verifySignature throws SignatureError (not a result) for an unusable secret: a server problem, not the sender's", async () => {
    await assert.rejects(
      verifySignature("standard-webhooks", "plain text secret", request(vectorHeaders()), { nowMs: AT_VECTOR }),
      SignatureError,
    );
  });
});
