/**
 * Signature check of one request against the sources behind its endpoint: each distinct
 * (scheme, secret) pair is tried; the sources whose pair verifies may take the event.
 *
 * Secrets are resolved through the SecretStore and cached for `ttlMs` (5 minutes, as the README
 * promises), so a rotated secret (`put-secret-value`) is picked up by warm containers without a
 * cold start. While a rotation is recent, a secret has two values (the store's `candidates`: the
 * new one and the previous one) and a signature made with either verifies: GitHub signs with
 * whichever secret it has at that moment. When no cached value verifies, the secret is read again
 * at once (a rotation may have just happened), at most once per `refreshIntervalMs` per secret,
 * so a stream of badly signed requests cannot turn into a stream of Secrets Manager calls.
 * Failures are never cached; when the store cannot be read, values read before stay in use.
 */
import { secretRefName } from "../config/secret-ref.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import { verifySignature, type SignatureScheme, type SignedRequest } from "../signatures/verify.ts";
import { webhookScheme } from "../signatures/webhook-scheme.ts";
import type { Endpoint, GuardedSource } from "./endpoints.ts";

export type EndpointVerdict =
  /** `schemes`: the scheme that verified each accepted source. */
  | { readonly ok: true; readonly sources: ReadonlySet<number>; readonly schemes: ReadonlyMap<number, SignatureScheme> }
  | { readonly ok: false; readonly kind: "signature"; readonly reason: string }
  | { readonly ok: false; readonly kind: "secret"; readonly reason: string };

/**
 * The values a configured secret (`${NAME}` or a literal) may verify with, current first.
 * `refresh`: the cached values did not verify; read them again if the refresh budget allows
 * (else the cached ones come back).
 */
export type SecretResolver = (value: string, opts?: { readonly refresh?: boolean }) => Promise<readonly string[]>;

export interface SecretCacheOptions {
  /** How long resolved values are used before being read again. @default 300000 (5 minutes) */
  readonly ttlMs?: number;
  /** Least time between two reads forced by a signature that did not verify. @default 30000 */
  readonly refreshIntervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export const SECRET_CACHE_DEFAULTS = { ttlMs: 300_000, refreshIntervalMs: 30_000 } as const;

interface CacheEntry {
  readonly values: Promise<readonly string[]>;
  readonly readAt: number;
}

export function cachedSecretResolver(secrets: SecretStore, opts: SecretCacheOptions = {}): SecretResolver {
  const ttlMs = opts.ttlMs ?? SECRET_CACHE_DEFAULTS.ttlMs;
  const refreshIntervalMs = opts.refreshIntervalMs ?? SECRET_CACHE_DEFAULTS.refreshIntervalMs;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();
  const lastForcedRead = new Map<string, number>();
  const read = (ref: string, fresh: boolean): Promise<readonly string[]> =>
    secrets.candidates ? secrets.candidates(ref, { fresh }) : secrets.get(ref).then((v) => [v]);

  return (value, resolveOpts = {}) => {
    const ref = secretRefName(value);
    if (ref === undefined) return Promise.resolve([value]);
    const t = now();
    const cached = cache.get(value);
    if (cached && resolveOpts.refresh) {
      const last = lastForcedRead.get(value);
      if (last !== undefined && t - last < refreshIntervalMs) return cached.values;
      lastForcedRead.set(value, t);
      // A failed re-read keeps the values we have: the request is then judged on them.
      const values = read(ref, true).then(
        (v) => {
          cache.set(value, { values: Promise.resolve(v), readAt: t });
          return v;
        },
        () => cached.values,
      );
      return values;
    }
    if (cached && t - cached.readAt < ttlMs) return cached.values;
    // Expired (or never read). When the store cannot be read, values read before stay in use
    // (the secret did not change because the store is unreachable), tried again after the refresh interval.
    const values = read(ref, cached !== undefined).catch((err: unknown) => {
      if (!cached) throw err;
      cache.set(value, { values: cached.values, readAt: t - ttlMs + refreshIntervalMs });
      return cached.values;
    });
    const entry = { values, readAt: t };
    cache.set(value, entry);
    values.catch(() => {
      if (cache.get(value) === entry) cache.delete(value);
    });
    return values;
  };
}

type Verdict = { ok: true; scheme: SignatureScheme } | { ok: false; reason: string };

/**
 * The first of the secret's values that verifies the request. The scheme is the group's, or, for a
 * webhook whose scheme follows its secret (`whsec_` means Standard Webhooks), each value's own.
 */
async function verifyWithAny(
  group: { scheme: SignatureScheme; fromSecret: boolean },
  values: readonly string[],
  req: SignedRequest,
  opts: { nowMs: number; toleranceSeconds: number },
): Promise<Verdict> {
  let first: Verdict | undefined;
  for (const secret of values) {
    const scheme = group.fromSecret ? webhookScheme(undefined, secret) : group.scheme;
    const verdict = await verifySignature(scheme, secret, req, opts);
    if (verdict.ok) return { ok: true, scheme };
    first ??= verdict;
  }
  return first ?? { ok: false, reason: "the endpoint's secret has no value" };
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
    let verdict: Verdict;
    if (group.scheme === "none") {
      verdict = { ok: true, scheme: group.scheme };
    } else if (group.secret === undefined) {
      verdict = {
        ok: false,
        reason:
          "this endpoint has no secret configured (set `secret`, or `signature: none` to accept unsigned requests)",
      };
    } else {
      try {
        const values = await resolve(group.secret);
        verdict = await verifyWithAny(group, values, req, opts);
        if (!verdict.ok) {
          // A rotation may have happened since the values were read: read them again (rate-limited).
          const again = await resolve(group.secret, { refresh: true });
          if (again.some((v) => !values.includes(v))) verdict = await verifyWithAny(group, again, req, opts);
        }
      } catch {
        secretFailures++;
        continue;
      }
    }
    if (verdict.ok)
      for (const g of group.sources) {
        accepted.add(g.index);
        schemes.set(g.index, verdict.scheme);
      }
    else reasons.push(verdict.reason);
  }
  if (accepted.size > 0) return { ok: true, sources: accepted, schemes };
  if (reasons.length === 0 && secretFailures > 0)
    return { ok: false, kind: "secret", reason: "the endpoint's secret cannot be resolved or used" };
  return { ok: false, kind: "signature", reason: [...new Set(reasons)].join("; ") };
}
