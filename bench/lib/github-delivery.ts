/**
 * The bench's traffic: GitHub's own `pull_request` "opened" example from @octokit/webhooks-examples
 * (21,370 bytes as JSON), signed once with the bench secret (the signature covers only the body),
 * sent with a fresh `X-GitHub-Delivery` each time so no request is a duplicate.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createRequire } from "node:module";

export const BENCH_SECRET = "bench-github-secret";
export const GITHUB_PATH = "/github";

interface WebhookDefinition {
  readonly name: string;
  readonly examples: readonly Record<string, unknown>[];
}

export interface GithubDelivery {
  /** The exact bytes that were signed. */
  readonly body: Buffer;
  /** Lower-case headers as GitHub sends them, without `x-github-delivery` (fresh per request). */
  readonly headers: Readonly<Record<string, string>>;
}

let cached: GithubDelivery | undefined;

/** The signed pull_request delivery every figure sends. */
export function pullRequestDelivery(): GithubDelivery {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const defs = require("@octokit/webhooks-examples") as WebhookDefinition[];
  const example = defs.find((d) => d.name === "pull_request")?.examples.find((e) => e.action === "opened");
  if (!example) throw new Error("@octokit/webhooks-examples has no pull_request opened example");
  const body = Buffer.from(JSON.stringify(example));
  const signature = `sha256=${createHmac("sha256", BENCH_SECRET).update(body).digest("hex")}`;
  cached = {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/bench",
      "x-github-event": "pull_request",
      "x-github-hook-id": "1",
      "x-hub-signature-256": signature,
    },
  };
  return cached;
}

/** A fresh delivery id, as GitHub gives each delivery. */
export function deliveryId(): string {
  return randomUUID();
}
