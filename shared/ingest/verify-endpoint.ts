/**
 * Signature check of one request against the sources behind its endpoint: each distinct
 * (scheme, secret) pair is tried; the sources whose pair verifies may take the event. Secrets are
 * resolved through the SecretStore once per ingest instance (failures are not cached).
 */
import { resolveSecret } from "../config/secret-ref.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import { verifySignature, type SignatureScheme, type SignedRequest } from "../signatures/verify.ts";
import { webhookScheme } from "../signatures/webhook-scheme.ts";
import type { Endpoint, GuardedSource } from "./endpoints.ts";

export type EndpointVerdict =
  /** `schemes`: the scheme that verified each accepted source. */
  | { readonly ok: true; readonly sources: ReadonlySet<number>; readonly schemes: ReadonlyMap<number, SignatureScheme> }
  | { readonly ok: false; readonly kind: "signature"; readonly reason: string }
  | { readonly ok: false; readonly kind: "secret"; readonly reason: string };

export type SecretResolver = (value: string) => Promise<string>;

export function cachedSecretResolver(secrets: SecretStore): SecretResolver {
  const cache = new Map<string, Promise<string>>();
  return (value) => {
    let p = cache.get(value);
    if (!p) {
      p = resolveSecret(value, secrets);
      cache.set(value, p);
      p.catch(() => cache.delete(value));
    }
    return p;
  };
}

export async function verifyEndpoint(
  endpoint: Endpoint,
  req: SignedRequest,
  resolve: SecretResolver,
  opts: { nowMs: number; toleranceSeconds: number },
): Promise<EndpointVerdict> {
  const groups = new Map<
    string,
    { scheme: SignatureScheme; fromSecret: boolean; secret: string | undefined; sources: GuardedSource[] }
  >();
  for (const g of endpoint.sources) {
    const fromSecret = g.schemeFromSecret === true;
    const key = `${fromSecret ? "auto" : g.scheme}\0${g.secret ?? ""}`;
    const group = groups.get(key) ?? { scheme: g.scheme, fromSecret, secret: g.secret, sources: [] };
    group.sources.push(g);
    groups.set(key, group);
  }
  const accepted = new Set<number>();
  const schemes = new Map<number, SignatureScheme>();
  const reasons: string[] = [];
  let secretFailures = 0;
  for (const group of groups.values()) {
    let verdict: { ok: true } | { ok: false; reason: string };
    let scheme = group.scheme;
    if (group.scheme === "none") {
      verdict = { ok: true };
    } else if (group.secret === undefined) {
      verdict = {
        ok: false,
        reason:
          "this endpoint has no secret configured (set `secret`, or `signature: none` to accept unsigned requests)",
      };
    } else {
      let secret: string;
      try {
        secret = await resolve(group.secret);
      } catch {
        secretFailures++;
        continue;
      }
      scheme = group.fromSecret ? webhookScheme(undefined, secret) : group.scheme;
      try {
        verdict = await verifySignature(scheme, secret, req, opts);
      } catch {
        secretFailures++;
        continue;
      }
    }
    if (verdict.ok)
      for (const g of group.sources) {
        accepted.add(g.index);
        schemes.set(g.index, scheme);
      }
    else reasons.push(verdict.reason);
  }
  if (accepted.size > 0) return { ok: true, sources: accepted, schemes };
  if (reasons.length === 0 && secretFailures > 0)
    return { ok: false, kind: "secret", reason: "the endpoint's secret cannot be resolved or used" };
  return { ok: false, kind: "signature", reason: [...new Set(reasons)].join("; ") };
}
