/** Resolves a secret reference (env var name locally; Secrets Manager / SSM name in the cloud). */
export interface SecretStore {
  get(name: string): Promise<string>;
  /**
   * Every value the secret may verify with right now, current first: while a rotation is recent,
   * the previous value too (a webhook sender may still sign with it). `fresh` skips any cache of
   * the store. A store without versions (environment variables) need not implement it: callers
   * then use `[await get(name)]`.
   */
  candidates?(name: string, opts?: { readonly fresh?: boolean }): Promise<readonly string[]>;
}
