import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { signHmacSha256 } from "../../../shared/signatures/sign.ts";
import { verifySignature } from "../../../shared/signatures/verify.ts";
import type { SignedRequest } from "../../../shared/signatures/verify.ts";

const BODY = '{"environment":"production","version":"1.2.3"}';

function request(body: Uint8Array | string, signature: string | undefined): SignedRequest {
  const rawBody = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return { headers: { "x-signature": signature, "content-type": "application/json" }, rawBody };
}

describe("generic HMAC-SHA256 signature (X-Signature: sha256=<hex>)", () => {
  it("produces sha256=<hex> of HMAC-SHA256 over the body, as openssl would", () => {
    assert.equal(
      signHmacSha256("It's a Secret to Everybody", "Hello, World!"),
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    );
    const independent = createHmac("sha256", "k").update(Buffer.from(BODY)).digest("hex");
    assert.equal(signHmacSha256("k", BODY), `sha256=${independent}`);
    assert.equal(signHmacSha256("k", Buffer.from(BODY)), signHmacSha256("k", BODY));
  });

  it("accepts a correct signature, also in upper-case hex", async () => {
    const signature = signHmacSha256("k", BODY);
    assert.deepEqual(await verifySignature("hmac-sha256", "k", request(BODY, signature)), { ok: true });
    assert.deepEqual(
      await verifySignature("hmac-sha256", "k", request(BODY, `sha256=${signature.slice(7).toUpperCase()}`)),
      { ok: true },
    );
  });

  it("verifies arbitrary bytes (not UTF-8) exactly as received", async () => {
    const body = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7f]);
    assert.deepEqual(await verifySignature("hmac-sha256", "k", request(body, signHmacSha256("k", body))), { ok: true });
    assert.deepEqual(
      await verifySignature(
        "hmac-sha256",
        "k",
        request(Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7e]), signHmacSha256("k", body)),
      ),
      { ok: false, reason: "signature mismatch" },
    );
  });

  it("an empty body has a well-defined signature", async () => {
    assert.deepEqual(await verifySignature("hmac-sha256", "k", request("", signHmacSha256("k", ""))), { ok: true });
  });

  it("rejects a tampered body, a wrong secret, and any length of wrong signature without throwing", async () => {
    const signature = signHmacSha256("k", BODY);
    const reject = { ok: false, reason: "signature mismatch" };
    assert.deepEqual(
      await verifySignature("hmac-sha256", "k", request(BODY.replace("1.2.3", "1.2.4"), signature)),
      reject,
    );
    assert.deepEqual(await verifySignature("hmac-sha256", "other", request(BODY, signature)), reject);
    for (const wrongLength of [
      signature.slice(0, 9),
      signature.slice(0, -1),
      `${signature}0`,
      `${signature}${signature.slice(7)}`,
      "sha256=00",
    ]) {
      assert.deepEqual(await verifySignature("hmac-sha256", "k", request(BODY, wrongLength)), reject, wrongLength);
    }
  });

  it("names what is wrong with a missing or malformed header", async () => {
    const hex = signHmacSha256("k", BODY).slice(7);
    const malformed = "malformed X-Signature header (expected sha256=<hex>)";
    const cases: [string | undefined, string][] = [
      [undefined, "missing X-Signature header"],
      ["", "missing X-Signature header"],
      [hex, malformed],
      [`sha1=${hex}`, malformed],
      [`SHA256=${hex}`, malformed],
      ["sha256=", malformed],
      [`sha256=${hex.slice(0, -1)}g`, malformed],
      [`sha256=${Buffer.from(hex, "hex").toString("base64")}`, malformed],
    ];
    for (const [header, reason] of cases) {
      assert.deepEqual(
        await verifySignature("hmac-sha256", "k", request(BODY, header)),
        { ok: false, reason },
        `header ${JSON.stringify(header)}`,
      );
    }
  });

  it("reads the header only under its lower-case name (the SignedRequest contract)", async () => {
    const signature = signHmacSha256("k", BODY);
    const req: SignedRequest = { headers: { "X-Signature": signature }, rawBody: Buffer.from(BODY) };
    assert.deepEqual(await verifySignature("hmac-sha256", "k", req), {
      ok: false,
      reason: "missing X-Signature header",
    });
  });
});
