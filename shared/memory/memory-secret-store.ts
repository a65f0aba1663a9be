/** A SecretStore over a plain map (the CLI passes the environment; tests pass literals). */
import type { SecretStore } from "../ports/secret-store.ts";

export class MissingSecretError extends Error {
  override readonly name = "MissingSecretError";
}

export class MapSecretStore implements SecretStore {
  readonly #values: Readonly<Record<string, string | undefined>>;

  constructor(values: Readonly<Record<string, string | undefined>>) {
    this.#values = values;
  }

  async get(name: string): Promise<string> {
    const value = this.#values[name];
    if (value === undefined || value === "") throw new MissingSecretError(`secret "${name}" is not set`);
    return value;
  }
}
