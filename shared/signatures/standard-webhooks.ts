import { createHmac } from "node:crypto";
import { constantTimeEqual } from "./constant-time.ts";
import { SignatureError } from "./errors.ts";
import { ACCEPTED, DEFAULT_TOLERANCE_SECONDS, headerValue, reject } from "./types.ts";
import type { SignedRequest, VerifyOptions, VerifyResult } from "./types.ts";

/**
 * Standard Webhooks (https://www.standardwebhooks.com), symmetric `v1` signatures:
 * `webhook-signature: v1,<base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>"))>`,
 * several space-separated entries allowed (any `v1` match passes, other versions are ignored),
 * and a replay window on `webhook-timestamp` (Unix seconds) in both directions.
 */

const SECRET_PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TIMESTAMP = /^\d{1,15}$/;
const ENTRY = /^(v[0-9]+[a-z]*),([A-Za-z0-9+/=]+)$/;

/**
 * The signing key of a Standard Webhooks secret: `whsec_<base64>` or the bare base64, as the
 * reference `standardwebhooks` package reads it. A secret that is not base64 is refused
 * (a raw string is ambiguous: base64-encode it first). Throws SignatureError, without the secret.
 */
export function standardWebhooksKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, "base64");
  const canonical = key.toString("base64").replace(/=+$/, "");
  if (!BASE64.test(encoded) || canonical !== encoded.replace(/=+$/, "")) {
    throw new SignatureError(
      "standard-webhooks secret is not base64 (expected whsec_<base64>, as the Standard Webhooks spec defines)",
    );
  }
  if (key.length === 0) throw new SignatureError("standard-webhooks secret is empty");
  return key;
}

/** `v1,<base64>` for one message; `timestamp` is the `webhook-timestamp` text (Unix seconds). */
export function standardWebhooksSignature(key: Buffer, id: string, timestamp: string, body: Uint8Array): string {
  const hmac = createHmac("sha256", key);
  hmac.update(`${id}.${timestamp}.`, "utf8");
  hmac.update(body);
  return `v1,${hmac.digest("base64")}`;
}

export function verifyStandardWebhook(secret: string, req: SignedRequest, opts: VerifyOptions = {}): VerifyResult {
  const key = standardWebhooksKey(secret);
  const id = headerValue(req, "webhook-id");
  const timestamp = headerValue(req, "webhook-timestamp");
  const signatures = headerValue(req, "webhook-signature");
  if (id === undefined) return reject("missing webhook-id header");
  if (timestamp === undefined) return reject("missing webhook-timestamp header");
  if (signatures === undefined) return reject("missing webhook-signature header");

  if (!TIMESTAMP.test(timestamp)) return reject("malformed webhook-timestamp header (expected Unix seconds)");
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const age = nowSeconds - Number(timestamp);
  if (age > tolerance) return reject(`timestamp outside the ${tolerance} s tolerance (too old)`);
  if (-age > tolerance) return reject(`timestamp outside the ${tolerance} s tolerance (too new)`);

  // Space-separated per the spec; a trailing comma is what Node leaves when it joins repeated headers with ", ".
  const entries = signatures
    .split(/\s+/)
    .map((entry) => ENTRY.exec(entry.replace(/,$/, "")))
    .filter((m) => m !== null);
  if (entries.length === 0) return reject("malformed webhook-signature header (expected space-separated v1,<base64>)");
  const v1 = entries.filter((m) => m[1] === "v1").map((m) => `v1,${m[2]}`);
  if (v1.length === 0) return reject("no v1 signature in webhook-signature header");

  const expected = standardWebhooksSignature(key, id, timestamp, req.rawBody);
  let matched = false;
  for (const candidate of v1) matched = constantTimeEqual(candidate, expected) || matched;
  return matched ? ACCEPTED : reject("signature mismatch");
}
