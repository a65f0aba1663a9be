import { createHmac } from "node:crypto";
import { hmacSha256Signature } from "./hmac-sha256.ts";
import { standardWebhooksKey, standardWebhooksSignature } from "./standard-webhooks.ts";

/** Signing helpers for senders and tests: the exact header values the verifiers accept. */

function bytes(body: Uint8Array | string): Uint8Array {
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

/** The `X-Hub-Signature-256` value GitHub would send: `sha256=<hex HMAC-SHA256 of the body bytes>`. */
export async function signGithub(secret: string, body: Uint8Array | string): Promise<string> {
  return `sha256=${createHmac("sha256", secret).update(bytes(body)).digest("hex")}`;
}

/** The spec's `X-Signature` value: `sha256=<hex>`. */
export function signHmacSha256(secret: string, body: Uint8Array | string): string {
  return hmacSha256Signature(secret, bytes(body));
}

/** A `webhook-signature` value (`v1,<base64>`) for `webhook-id` = id and `webhook-timestamp` = timestampSeconds. */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: Uint8Array | string,
): string {
  return standardWebhooksSignature(standardWebhooksKey(secret), id, String(Math.floor(timestampSeconds)), bytes(body));
}
