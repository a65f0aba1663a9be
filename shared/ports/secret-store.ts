/** Resolves a secret reference (env var name locally; Secrets Manager / SSM name in the cloud). */
export interface SecretStore {
  get(name: string): Promise<string>;
}
