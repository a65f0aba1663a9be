/**
 * Secrets Manager and SSM Parameter Store, as an in-process server speaking their wire format
 * (awsJson1_1, `X-Amz-Target`): what the functions (through Powertools parameters), `aws
 * secretsmanager put-secret-value` and the tests call. No npm emulator exists for either.
 *
 * Secrets keep an AWSCURRENT and an AWSPREVIOUS version (PutSecretValue moves the stages), are
 * found by name, full ARN or partial ARN, and get AWS's ARN shape (`...:secret:<name>-<6 chars>`).
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  readBody,
  sendAwsJsonError,
  sendJson,
  serveHandler,
  type RequestHandler,
  type RunningServer,
} from "./http-service.ts";

export interface SecretsEmulatorOptions {
  /** @default "us-east-1" */
  readonly region?: string;
  /** @default "123456789012" */
  readonly accountId?: string;
  /** Secrets that exist from the start: name -> value. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** SSM parameters that exist from the start (SecureString): name -> value. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** When the preset values were set (epoch ms): tests of rotation windows start them in the past. @default now */
  readonly presetAt?: number;
  /** The 6 characters after a secret's name in its ARN. @default random per secret */
  readonly arnSuffix?: string;
}

interface SecretVersion {
  readonly id: string;
  readonly value: string;
  readonly created: number;
  stages: string[];
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  description?: string;
  readonly created: number;
  changed: number;
  versions: SecretVersion[];
}

interface ParameterVersion {
  readonly value: string;
  /** Epoch seconds. */
  readonly changed: number;
}

interface StoredParameter {
  readonly name: string;
  type: string;
  /** Oldest first: version n is versions[n - 1]. */
  versions: ParameterVersion[];
}

export interface SecretsEmulator {
  readonly handler: RequestHandler;
  /** How many reads (GetSecretValue, GetParameter(s)) were answered: to observe caching. */
  readonly reads: () => number;
  /** The current value of a secret (name or ARN), for the banner's signed sample request. */
  currentValue(id: string): string | undefined;
  /** The value of an SSM parameter. */
  parameterValue(name: string): string | undefined;
  /** `put-secret-value`: the value becomes AWSCURRENT, the current one AWSPREVIOUS. */
  putSecretValue(id: string, value: string): void;
  /** `put-parameter --overwrite`: a new version of the parameter (created when missing). */
  putParameter(name: string, value: string): void;
}

const CURRENT = "AWSCURRENT";
const PREVIOUS = "AWSPREVIOUS";
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function arnSuffix(): string {
  const bytes = randomBytes(6);
  return Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("");
}

export function secretsEmulator(opts: SecretsEmulatorOptions = {}): SecretsEmulator {
  const region = opts.region ?? "us-east-1";
  const account = opts.accountId ?? "123456789012";
  const secrets = new Map<string, StoredSecret>();
  const parameters = new Map<string, StoredParameter>();
  let reads = 0;
  const now = () => Date.now() / 1000;

  const create = (name: string, value: string | undefined, description?: string, at = now()): StoredSecret => {
    const t = at;
    const secret: StoredSecret = {
      name,
      arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${opts.arnSuffix ?? arnSuffix()}`,
      ...(description !== undefined ? { description } : {}),
      created: t,
      changed: t,
      versions: value === undefined ? [] : [{ id: randomUUID(), value, created: t, stages: [CURRENT] }],
    };
    secrets.set(name, secret);
    return secret;
  };
  const presetAt = (opts.presetAt ?? Date.now()) / 1000;
  for (const [name, value] of Object.entries(opts.secrets ?? {})) create(name, value, undefined, presetAt);
  for (const [name, value] of Object.entries(opts.parameters ?? {}))
    parameters.set(name, { name, type: "SecureString", versions: [{ value, changed: presetAt }] });

  /** By name, full ARN, or partial ARN (the ARN without its 6-character suffix). */
  const find = (id: string): StoredSecret | undefined => {
    const byName = secrets.get(id);
    if (byName) return byName;
    for (const s of secrets.values()) if (s.arn === id || s.arn.slice(0, -7) === id) return s;
    return undefined;
  };

  const putValue = (secret: StoredSecret, value: string): SecretVersion => {
    for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== PREVIOUS);
    for (const v of secret.versions) if (v.stages.includes(CURRENT)) v.stages = [PREVIOUS];
    const version: SecretVersion = { id: randomUUID(), value, created: now(), stages: [CURRENT] };
    secret.versions = [...secret.versions.filter((v) => v.stages.length > 0), version];
    secret.changed = version.created;
    return version;
  };

  const secretsManager: Record<string, (input: Record<string, unknown>, res: ServerResponse) => void> = {
    CreateSecret(input, res) {
      const name = String(input.Name ?? "");
      if (!name) return sendAwsJsonError(res, 400, "InvalidParameterException", "Name is required");
      if (secrets.has(name))
        return sendAwsJsonError(
          res,
          400,
          "ResourceExistsException",
          `The operation failed because the secret ${name} already exists.`,
        );
      const value = typeof input.SecretString === "string" ? input.SecretString : undefined;
      const s = create(name, value, typeof input.Description === "string" ? input.Description : undefined);
      sendJson(res, 200, { ARN: s.arn, Name: s.name, ...(s.versions[0] ? { VersionId: s.versions[0].id } : {}) });
    },
    GetSecretValue(input, res) {
      reads++;
      const s = find(String(input.SecretId ?? ""));
      if (!s) return notFound(res);
      const stage = typeof input.VersionStage === "string" ? input.VersionStage : undefined;
      const id = typeof input.VersionId === "string" ? input.VersionId : undefined;
      const v = s.versions.find((x) => (id ? x.id === id : x.stages.includes(stage ?? CURRENT)));
      if (!v)
        return sendAwsJsonError(
          res,
          400,
          "ResourceNotFoundException",
          `Secrets Manager can't find the specified secret value for ${id ? `VersionId: ${id}` : `staging label: ${stage ?? CURRENT}`}`,
        );
      sendJson(res, 200, {
        ARN: s.arn,
        Name: s.name,
        SecretString: v.value,
        VersionId: v.id,
        VersionStages: v.stages,
        CreatedDate: v.created,
      });
    },
    PutSecretValue(input, res) {
      const s = find(String(input.SecretId ?? ""));
      if (!s) return notFound(res);
      if (typeof input.SecretString !== "string")
        return sendAwsJsonError(
          res,
          400,
          "InvalidParameterException",
          "SecretString is required (SecretBinary is not emulated)",
        );
      const v = putValue(s, input.SecretString);
      sendJson(res, 200, { ARN: s.arn, Name: s.name, VersionId: v.id, VersionStages: v.stages });
    },
    UpdateSecret(input, res) {
      const s = find(String(input.SecretId ?? ""));
      if (!s) return notFound(res);
      if (typeof input.Description === "string") s.description = input.Description;
      const v = typeof input.SecretString === "string" ? putValue(s, input.SecretString) : undefined;
      sendJson(res, 200, { ARN: s.arn, Name: s.name, ...(v ? { VersionId: v.id } : {}) });
    },
    DescribeSecret(input, res) {
      const s = find(String(input.SecretId ?? ""));
      if (!s) return notFound(res);
      sendJson(res, 200, describe(s));
    },
    ListSecrets(_input, res) {
      sendJson(res, 200, { SecretList: [...secrets.values()].map(describe) });
    },
    DeleteSecret(input, res) {
      const s = find(String(input.SecretId ?? ""));
      if (!s) return notFound(res);
      secrets.delete(s.name);
      sendJson(res, 200, { ARN: s.arn, Name: s.name, DeletionDate: now() });
    },
  };

  const describe = (s: StoredSecret) => ({
    ARN: s.arn,
    Name: s.name,
    ...(s.description !== undefined ? { Description: s.description } : {}),
    CreatedDate: s.created,
    LastChangedDate: s.changed,
    VersionIdsToStages: Object.fromEntries(s.versions.map((v) => [v.id, v.stages])),
  });

  const notFound = (res: ServerResponse) =>
    sendAwsJsonError(res, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");

  const parameterOut = (p: StoredParameter, version: number) => ({
    Name: p.name,
    Type: p.type,
    Value: p.versions[version - 1]!.value,
    Version: version,
    ARN: `arn:aws:ssm:${region}:${account}:parameter${p.name.startsWith("/") ? "" : "/"}${p.name}`,
    DataType: "text",
    LastModifiedDate: p.versions[version - 1]!.changed,
  });

  /** `name` (the latest version) or `name:version`. */
  const findParameter = (selector: string): { p: StoredParameter; version: number } | { error: [string, string] } => {
    const colon = selector.lastIndexOf(":");
    const [name, wanted] =
      colon > 0 ? [selector.slice(0, colon), Number(selector.slice(colon + 1))] : [selector, undefined];
    const p = parameters.get(name);
    if (!p) return { error: ["ParameterNotFound", `Parameter ${name} not found.`] };
    const version = wanted ?? p.versions.length;
    if (!Number.isInteger(version) || version < 1 || version > p.versions.length)
      return { error: ["ParameterVersionNotFound", `Version ${String(wanted)} of ${name} not found.`] };
    return { p, version };
  };

  const putParameter = (name: string, value: string, type?: string): number => {
    const existing = parameters.get(name);
    const p: StoredParameter = existing ?? { name, type: type ?? "String", versions: [] };
    if (type) p.type = type;
    p.versions.push({ value, changed: now() });
    parameters.set(name, p);
    return p.versions.length;
  };

  const ssm: Record<string, (input: Record<string, unknown>, res: ServerResponse) => void> = {
    GetParameter(input, res) {
      reads++;
      const found = findParameter(String(input.Name ?? ""));
      if ("error" in found) return sendAwsJsonError(res, 400, ...found.error);
      sendJson(res, 200, { Parameter: parameterOut(found.p, found.version) });
    },
    GetParameters(input, res) {
      reads++;
      const names = Array.isArray(input.Names) ? input.Names.map(String) : [];
      const found = names.map((n) => ({ n, f: findParameter(n) }));
      sendJson(res, 200, {
        Parameters: found.flatMap(({ f }) => ("error" in f ? [] : [parameterOut(f.p, f.version)])),
        InvalidParameters: found.filter(({ f }) => "error" in f).map(({ n }) => n),
      });
    },
    PutParameter(input, res) {
      const name = String(input.Name ?? "");
      if (!name || typeof input.Value !== "string")
        return sendAwsJsonError(res, 400, "ValidationException", "Name and Value are required");
      if (parameters.has(name) && input.Overwrite !== true)
        return sendAwsJsonError(
          res,
          400,
          "ParameterAlreadyExists",
          "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
        );
      const version = putParameter(name, input.Value, typeof input.Type === "string" ? input.Type : undefined);
      sendJson(res, 200, { Version: version, Tier: "Standard" });
    },
    DeleteParameter(input, res) {
      const name = String(input.Name ?? "");
      if (!parameters.delete(name))
        return sendAwsJsonError(res, 400, "ParameterNotFound", `Parameter ${name} not found.`);
      sendJson(res, 200, {});
    },
  };

  const handler: RequestHandler = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const [prefix, operation = ""] = target.split(".");
      const table = prefix === "secretsmanager" ? secretsManager : prefix === "AmazonSSM" ? ssm : undefined;
      const op = table && Object.hasOwn(table, operation) ? table[operation] : undefined;
      const text = (await readBody(req)).toString("utf8");
      if (!op)
        return sendAwsJsonError(
          res,
          400,
          "UnknownOperationException",
          `evd cloud local does not emulate ${target || "(no X-Amz-Target)"}; Secrets Manager: ${Object.keys(secretsManager).join(", ")}; SSM: ${Object.keys(ssm).join(", ")}`,
        );
      let input: Record<string, unknown>;
      try {
        input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        return sendAwsJsonError(res, 400, "SerializationException", "the request body is not JSON");
      }
      op(input, res);
    })().catch((err: unknown) => sendAwsJsonError(res, 500, "InternalFailure", String(err)));
  };

  return {
    handler,
    reads: () => reads,
    currentValue(id) {
      return find(id)?.versions.find((v) => v.stages.includes(CURRENT))?.value;
    },
    parameterValue(name) {
      return parameters.get(name)?.versions.at(-1)?.value;
    },
    putSecretValue(id, value) {
      const secret = find(id) ?? create(id, undefined);
      putValue(secret, value);
    },
    putParameter(name, value) {
      putParameter(name, value, "SecureString");
    },
  };
}

export interface SecretsServer extends RunningServer {
  readonly reads: () => number;
}

/** The emulator alone on its own port, with preset values (the integration tests). */
export async function startSecretsServer(opts: SecretsEmulatorOptions = {}): Promise<SecretsServer> {
  const emulator = secretsEmulator(opts);
  const served = await serveHandler(emulator.handler);
  return { endpoint: served.endpoint, stop: served.stop, reads: emulator.reads };
}
