import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import {
  decodePayload,
  encodePayload,
  encodePayloadBytes,
  MIN_COMPRESSED_BYTES,
  PayloadCodec,
  PayloadCodecError,
  storedBytes,
} from "../../../shared/codec/payload-codec.ts";
import { githubExample } from "../../fixtures/github.ts";

describe("payload codec", () => {
  const delivery = JSON.stringify(githubExample("pull_request", "opened"));

  it("compresses a real GitHub pull_request delivery to under 0.15x and reads it back byte for byte", () => {
    const stored = encodePayload(delivery);
    assert.ok(Buffer.isBuffer(stored), "a 21 KB delivery is stored compressed");
    assert.equal(stored[0], 0x00);
    assert.equal(stored[1], PayloadCodec.BROTLI);
    const ratio = storedBytes(stored) / Buffer.byteLength(delivery);
    assert.ok(ratio < 0.15, `ratio ${ratio.toFixed(3)}`);
    assert.equal(decodePayload(stored), delivery);
  });

  it("keeps small payloads as text, and text decodes to itself", () => {
    const small = JSON.stringify({ hello: "world" });
    assert.equal(encodePayload(small), small);
    assert.equal(decodePayload(small), small);
    const justUnder = JSON.stringify({ pad: "x".repeat(MIN_COMPRESSED_BYTES - 20) });
    assert.equal(typeof encodePayload(justUnder), "string");
  });

  it("keeps text that does not compress (compressed would not be smaller)", () => {
    const noise = JSON.stringify({
      r: Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251)).toString("base64"),
    });
    const stored = encodePayload(noise);
    if (typeof stored !== "string") assert.ok(stored.length < Buffer.byteLength(noise));
    assert.equal(decodePayload(stored), noise);
  });

  it("round-trips multi-byte UTF-8 exactly", () => {
    const text = JSON.stringify({ title: "Fix für Übergröße ✓ 日本語 😀".repeat(80) });
    assert.equal(decodePayload(encodePayload(text)), text);
  });

  it("refuses bytes without the mark, an unknown codec, and damaged data, each saying which", () => {
    assert.throws(
      () => decodePayload(Buffer.from('{"a":1}')),
      (e: unknown) => {
        assert.ok(e instanceof PayloadCodecError);
        assert.match(e.message, /not an encoded payload/);
        return true;
      },
    );
    assert.throws(
      () => decodePayload(Buffer.from([0x00, 0x7f, 1, 2, 3])),
      /codec 127, which this version does not know/,
    );
    const stored = encodePayload(delivery) as Buffer;
    const damaged = Buffer.from(stored.subarray(0, 40));
    assert.throws(() => decodePayload(damaged), /stored payload is damaged/);
  });

  it("always gives bytes for a binary attribute (encodePayloadBytes), and reads plain gzip written before the codec", () => {
    const small = JSON.stringify({ id: "e1" });
    const bytes = encodePayloadBytes(small);
    assert.ok(Buffer.isBuffer(bytes) && bytes[0] === 0x00 && bytes[1] === PayloadCodec.BROTLI);
    assert.equal(decodePayload(bytes), small);
    assert.equal(decodePayload(gzipSync(delivery)), delivery);
    assert.throws(() => decodePayload(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2])), /stored gzip payload is damaged/);
  });
});
