import { SignatureError } from "./errors.ts";
import { verifyGithub } from "./github.ts";
import { verifyHmacSha256 } from "./hmac-sha256.ts";
import { standardWebhooksKey, verifyStandardWebhook } from "./standard-webhooks.ts";
import { ACCEPTED, SignatureScheme } from "./types.ts";
import type { SignedRequest, VerifyOptions, VerifyResult } from "./types.ts";

export { SignatureScheme, SIGNATURE_SCHEMES } from "./types.ts";
export type { SignedRequest, VerifyOptions, VerifyResult } from "./types.ts";
export { SignatureError } from "./errors.ts";

/**
 * Checks a request's signature on its raw body bytes, in constant time.
 * Anything wrong with the request is `{ ok: false, reason }` (reasons never contain the secret
 * or the expected signature). Throws SignatureError only when the secret itself is unusable
 * (empty, or not base64 for standard-webhooks): a server configuration problem, not the sender's.
 */
export async function verifySignature(
  scheme: SignatureScheme,
  secret: string,
  req: SignedRequest,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  if (scheme === SignatureScheme.NONE) return ACCEPTED;
  assertUsableSecret(scheme, secret);
  switch (scheme) {
    case SignatureScheme.GITHUB:
      return verifyGithub(secret, req);
    case SignatureScheme.HMAC_SHA256:
      return verifyHmacSha256(secret, req);
    case SignatureScheme.STANDARD_WEBHOOKS:
      return verifyStandardWebhook(secret, req, opts);
    default:
      throw new SignatureError(`unknown signature scheme ${JSON.stringify(scheme)}`);
  }
}

/** Config-time check of a resolved secret for a scheme; throws SignatureError saying what is wrong (never the secret). */
export function assertUsableSecret(scheme: SignatureScheme, secret: string): void {
  if (scheme === SignatureScheme.NONE) return;
  if (typeof secret !== "string" || secret.length === 0) {
    throw new SignatureError(`${scheme} signatures need a secret, and the configured secret is empty`);
  }
  if (scheme === SignatureScheme.STANDARD_WEBHOOKS) standardWebhooksKey(secret);
}
