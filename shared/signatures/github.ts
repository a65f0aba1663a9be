import { verify } from "@octokit/webhooks-methods";
import { ACCEPTED, headerValue, reject } from "./types.ts";
import type { SignedRequest, VerifyResult } from "./types.ts";

const HEADER = "x-hub-signature-256";
const SIGNATURE = /^sha256=[0-9a-fA-F]{64}$/;

/**
 * GitHub signs the delivered body bytes (always UTF-8 JSON or form data) with HMAC-SHA256 and
 * sends `X-Hub-Signature-256: sha256=<hex>`. @octokit/webhooks-methods' `verify` takes the
 * body as a string and hashes its UTF-8 encoding, so the raw bytes are decoded strictly:
 * invalid UTF-8 is refused (it would otherwise be replaced by U+FFFD and two different bodies
 * could hash alike) and a leading BOM is kept, making decode + re-encode the identity.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export async function verifyGithub(secret: string, req: SignedRequest): Promise<VerifyResult> {
  const signature = headerValue(req, HEADER);
  if (signature === undefined) return reject("missing X-Hub-Signature-256 header");
  if (!SIGNATURE.test(signature)) {
    return reject("malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)");
  }
  if (req.rawBody.length === 0) return reject("empty body");
  let body: string;
  try {
    body = utf8.decode(req.rawBody);
  } catch {
    return reject("body is not valid UTF-8");
  }
  const matches = await verify(secret, body, `sha256=${signature.slice(7).toLowerCase()}`);
  return matches ? ACCEPTED : reject("signature mismatch");
}
