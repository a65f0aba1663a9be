/**
 * SecretStore for Lambda, over Powertools parameters: a reference name (the `NAME` of `${NAME}` in
 * the config) maps through `EVD_SECRETS` (and the config's `cloud.secrets`) to a Secrets Manager
 * secret name/ARN, or to `ssm:/path` for an SSM SecureString. A name missing from the map is looked
 * up as a Secrets Manager secret of the same name. Values are cached per container (`maxAgeSeconds`)
 * and never logged; the SDK client is created on the first lookup of its kind.
 *
 * `candidates` serves signature checks through a rotation: the current value, and for
 * `rotationGraceSeconds` after it was set, the previous one too (Secrets Manager's AWSPREVIOUS
 * stage; the previous version of an SSM parameter). It reads the store each time it is called:
 * its caller (the ingest's secret cache) decides how often.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import type { SecretStore } from "../ports/secret-store.ts";
import { lazy } from "./aws-connection.ts";
import { SecretLookupError } from "./errors.ts";

export const SSM_PREFIX = "ssm:";

export type SecretLocation =
  { readonly service: "secretsmanager"; readonly id: string } | { readonly service: "ssm"; readonly path: string };

export interface AwsSecretStoreOptions {
  /** Reference name -> Secrets Manager name/ARN or `ssm:/param/path`. */
  readonly map: Readonly<Record<string, string>>;
  readonly secretsManager: () => SecretsManagerClient;
  readonly ssm: () => SSMClient;
  /** Cache lifetime per value. @default 300 */
  readonly maxAgeSeconds?: number;
  /** How long after a rotation the previous value still verifies signatures. @default 3600 */
  readonly rotationGraceSeconds?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export const DEFAULT_ROTATION_GRACE_SECONDS = 3600;

/** Parses `EVD_SECRETS` (a JSON object of strings); throws naming the variable on bad input. */
export function parseSecretMap(text: string | undefined, where = "EVD_SECRETS"): Record<string, string> {
  if (text === undefined || text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SecretLookupError(`${where} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new SecretLookupError(`${where} must be a JSON object of reference name -> secret id`);
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== "string" || v === "")
      throw new SecretLookupError(`${where}.${k} must be a non-empty string (a secret name, ARN or ssm:/path)`);
  }
  return parsed as Record<string, string>;
}

export function secretLocation(map: Readonly<Record<string, string>>, name: string): SecretLocation {
  const target = Object.hasOwn(map, name) ? map[name]! : name;
  if (target.startsWith(SSM_PREFIX)) {
    const path = target.slice(SSM_PREFIX.length);
    if (!path)
      throw new SecretLookupError(`secret reference "${name}" maps to "${SSM_PREFIX}" without a parameter path`);
    return { service: "ssm", path };
  }
  return { service: "secretsmanager", id: target };
}

export class AwsSecretStore implements SecretStore {
  readonly #map: Readonly<Record<string, string>>;
  readonly #maxAge: number;
  readonly #graceMs: number;
  readonly #now: () => number;
  readonly #secretsManager: () => SecretsManagerClient;
  readonly #ssm: () => SSMClient;
  readonly #secrets: () => SecretsProvider;
  readonly #params: () => SSMProvider;

  constructor(options: AwsSecretStoreOptions) {
    this.#map = options.map;
    this.#maxAge = options.maxAgeSeconds ?? 300;
    this.#graceMs = (options.rotationGraceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS) * 1000;
    this.#now = options.now ?? Date.now;
    this.#secretsManager = lazy(options.secretsManager);
    this.#ssm = lazy(options.ssm);
    this.#secrets = lazy(() => new SecretsProvider({ awsSdkV3Client: this.#secretsManager() }));
    this.#params = lazy(() => new SSMProvider({ awsSdkV3Client: this.#ssm() }));
  }

  async candidates(name: string): Promise<readonly string[]> {
    const loc = secretLocation(this.#map, name);
    try {
      return loc.service === "ssm" ? await this.#parameterVersions(loc.path) : await this.#secretVersions(loc.id);
    } catch (err) {
      if (err instanceof SecretLookupError) throw err;
      const where = loc.service === "ssm" ? `SSM parameter ${loc.path}` : `Secrets Manager secret ${loc.id}`;
      throw new SecretLookupError(`secret reference "${name}" (${where}) could not be read: ${(err as Error).name}`, {
        cause: err,
      });
    }
  }

  #recent(setAt: Date | undefined): boolean {
    return setAt !== undefined && this.#now() - setAt.getTime() < this.#graceMs;
  }

  async #secretVersions(id: string): Promise<string[]> {
    const client = this.#secretsManager();
    const current = await client.send(new GetSecretValueCommand({ SecretId: id }));
    const values = [secretText(current.SecretString, current.SecretBinary, id)];
    if (this.#recent(current.CreatedDate)) {
      try {
        const previous = await client.send(new GetSecretValueCommand({ SecretId: id, VersionStage: "AWSPREVIOUS" }));
        values.push(secretText(previous.SecretString, previous.SecretBinary, id));
      } catch (err) {
        // Never rotated: there is no AWSPREVIOUS version.
        if ((err as Error).name !== "ResourceNotFoundException") throw err;
      }
    }
    return values;
  }

  async #parameterVersions(path: string): Promise<string[]> {
    const client = this.#ssm();
    const current = (await client.send(new GetParameterCommand({ Name: path, WithDecryption: true }))).Parameter;
    const values = [secretText(current?.Value, undefined, path)];
    const version = current?.Version ?? 1;
    if (version > 1 && this.#recent(current?.LastModifiedDate)) {
      try {
        const previous = await client.send(
          new GetParameterCommand({ Name: `${path}:${version - 1}`, WithDecryption: true }),
        );
        values.push(secretText(previous.Parameter?.Value, undefined, path));
      } catch (err) {
        if ((err as Error).name !== "ParameterVersionNotFound") throw err;
      }
    }
    return values;
  }

  async get(name: string): Promise<string> {
    const loc = secretLocation(this.#map, name);
    let value: unknown;
    try {
      value =
        loc.service === "ssm"
          ? await this.#params().get(loc.path, { decrypt: true, maxAge: this.#maxAge })
          : await this.#secrets().get(loc.id, { maxAge: this.#maxAge });
    } catch (err) {
      const where = loc.service === "ssm" ? `SSM parameter ${loc.path}` : `Secrets Manager secret ${loc.id}`;
      throw new SecretLookupError(`secret reference "${name}" (${where}) could not be read: ${(err as Error).name}`, {
        cause: err,
      });
    }
    if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
    if (typeof value !== "string" || value === "")
      throw new SecretLookupError(`secret reference "${name}" resolved to an empty value`);
    return value;
  }
}

function secretText(text: string | undefined, binary: Uint8Array | undefined, where: string): string {
  const value = text ?? (binary ? Buffer.from(binary).toString("utf8") : undefined);
  if (value === undefined || value === "") throw new SecretLookupError(`${where} resolved to an empty value`);
  return value;
}
