/** The signature schemes a webhook source can require, as a closed set. */
export const SignatureScheme = {
  GITHUB: "github",
  HMAC_SHA256: "hmac-sha256",
  STANDARD_WEBHOOKS: "standard-webhooks",
  NONE: "none",
} as const;
export type SignatureScheme = (typeof SignatureScheme)[keyof typeof SignatureScheme];
export const SIGNATURE_SCHEMES = Object.values(SignatureScheme) as readonly SignatureScheme[];

/** What a verifier needs from an HTTP request: lower-case header names and the body exactly as received. */
export interface SignedRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Uint8Array;
}

/** `reason` is short, names what is wrong, and never contains the secret or the expected signature. */
export type VerifyResult = { ok: true } | { ok: false; reason: string };

export interface VerifyOptions {
  /** The current time in epoch milliseconds (Standard Webhooks replay window). @default Date.now() */
  readonly nowMs?: number;
  /** Accepted clock difference, both directions, in seconds (Standard Webhooks). @default 300 */
  readonly toleranceSeconds?: number;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;

export function reject(reason: string): VerifyResult {
  return { ok: false, reason };
}

export const ACCEPTED: VerifyResult = { ok: true };

/** A header's value, or undefined when it is absent or blank. */
export function headerValue(req: SignedRequest, lowerCaseName: string): string | undefined {
  const value = req.headers[lowerCaseName];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
