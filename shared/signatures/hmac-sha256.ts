import { createHmac } from "node:crypto";
import { constantTimeEqual } from "./constant-time.ts";
import { ACCEPTED, headerValue, reject } from "./types.ts";
import type { SignedRequest, VerifyResult } from "./types.ts";

const HEADER = "x-signature";
const PREFIX = "sha256=";
const HEX = /^[0-9a-fA-F]+$/;

/** `sha256=<lower-case hex of HMAC-SHA256(secret, raw body)>`: the spec's `X-Signature` value. */
export function hmacSha256Signature(secret: string, body: Uint8Array): string {
  return PREFIX + createHmac("sha256", secret).update(body).digest("hex");
}

/** The spec's generic webhook signature: `X-Signature: sha256=<hex>` over the raw body, compared in constant time. */
export function verifyHmacSha256(secret: string, req: SignedRequest): VerifyResult {
  const signature = headerValue(req, HEADER);
  if (signature === undefined) return reject("missing X-Signature header");
  const hex = signature.startsWith(PREFIX) ? signature.slice(PREFIX.length) : "";
  if (!HEX.test(hex)) return reject("malformed X-Signature header (expected sha256=<hex>)");
  const expected = hmacSha256Signature(secret, req.rawBody);
  return constantTimeEqual(PREFIX + hex.toLowerCase(), expected) ? ACCEPTED : reject("signature mismatch");
}
