/**
 * Secret references. The values of secret-bearing keys written as `${NAME}` are NOT interpolated
 * when the config loads: they stay references, resolved at use through a SecretStore (environment
 * variables locally, Secrets Manager or SSM in the cloud). So `evd validate` works without the
 * secret at hand, and a deploy bundle never carries a secret value.
 */
import type { SecretStore } from "../ports/secret-store.ts";

/** Keys whose values are secrets. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(["secret", "api_key", "token", "webhook_url"]);

const REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** `"${NAME}"` -> `"NAME"`; a literal value (or `${NAME:-default}`) -> undefined. */
export function secretRefName(value: string): string | undefined {
  return REF.exec(value)?.[1];
}

/** True when `key` holds a secret and `value` is a bare `${NAME}` reference kept for later. */
export function isKeptSecretRef(key: string | number | undefined, value: unknown): boolean {
  return (
    typeof key === "string" && SECRET_KEYS.has(key) && typeof value === "string" && secretRefName(value) !== undefined
  );
}

/** The secret's value: a reference resolves through the store, a literal is returned as written. */
export async function resolveSecret(value: string, secrets: SecretStore): Promise<string> {
  const ref = secretRefName(value);
  return ref === undefined ? value : secrets.get(ref);
}
