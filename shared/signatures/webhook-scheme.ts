/**
 * The signature scheme of a generic webhook source: its `signature` when it names one; else the
 * secret decides, as the spec's examples and Standard Webhooks providers expect: a `whsec_...`
 * secret means Standard Webhooks (`webhook-id`/`-timestamp`/`-signature`), any other means
 * HMAC-SHA256 over the body (`X-Signature: sha256=<hex>`). A secret written as a `${NAME}`
 * reference is only known when resolved, so the choice is made per request then.
 */
import { SignatureScheme } from "./types.ts";

export const STANDARD_WEBHOOKS_SECRET_PREFIX = "whsec_";

/** The scheme for a resolved (or literal) secret value. */
export function webhookScheme(signature: SignatureScheme | undefined, secret: string | undefined): SignatureScheme {
  if (signature !== undefined) return signature;
  return secret?.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)
    ? SignatureScheme.STANDARD_WEBHOOKS
    : SignatureScheme.HMAC_SHA256;
}

/**
 * The scheme as `evd validate` states it. `lookup` reads a reference's value where one is at hand
 * (the environment locally; only its prefix is looked at, it is never shown).
 */
export function describeWebhookScheme(
  signature: SignatureScheme | undefined,
  secret: string | undefined,
  refName: string | undefined,
  lookup: (name: string) => string | undefined,
): string {
  if (signature !== undefined) return `${signature}: set by \`signature\``;
  if (secret === undefined) return `${SignatureScheme.HMAC_SHA256}: no secret, every request is refused`;
  const value = refName === undefined ? secret : lookup(refName);
  if (value === undefined)
    return `${SignatureScheme.HMAC_SHA256}, or ${SignatureScheme.STANDARD_WEBHOOKS} if \${${refName}} holds a whsec_ secret`;
  const scheme = webhookScheme(undefined, value);
  return scheme === SignatureScheme.STANDARD_WEBHOOKS
    ? `${scheme}: the secret is a whsec_ one`
    : `${scheme}: the secret is not a whsec_ one`;
}
