/**
 * What the cloud deployment needs from an orchestrator config, worked out and validated before
 * any construct is built: the webhook routes, the schedules, the secret references and the
 * Bedrock models the runner may invoke. Pure: no CDK here, so every rule is easy to test.
 */
import { DEFAULT_BEDROCK_MODEL } from "../shared/aws/bedrock-provider.ts";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import { configEndpoints, secretRefName, sourceName, toEventBridgeExpression } from "./contracts.ts";
import { OrchestratorPropsError } from "./errors.ts";

/** One `POST <path>` route on the HTTP API; several sources may share a path (e.g. `/github`). */
export interface WebhookRoute {
  readonly path: string;
  /** Names of the enabled sources served by this path. */
  readonly sources: readonly string[];
}

/** One EventBridge Scheduler schedule. */
export interface CronSchedule {
  /** The source name: schedule name in the group and `schedule` in the queued message. */
  readonly name: string;
  readonly handler: string;
  /** The Unix 5-field cron of the config. */
  readonly cron: string;
  /** The EventBridge 6-field form, e.g. `cron(0 9 ? * MON *)`. */
  readonly expression: string;
  readonly timezone: string;
  readonly enabled: boolean;
}

/** Which function reads a secret: ingest verifies webhook signatures, the runner calls providers and tools. */
export const SecretReader = { INGEST: "ingest", RUNNER: "runner" } as const;
export type SecretReader = (typeof SecretReader)[keyof typeof SecretReader];

/** A secret the functions read: a `${NAME}` reference in a secret-bearing key. */
export interface SecretReference {
  readonly name: string;
  /** Config paths that use it, e.g. `sources[1].secret`. */
  readonly usedBy: readonly string[];
  /** The functions that read it (and so may read it: least privilege per function and secret). */
  readonly readers: readonly SecretReader[];
}

/** A Bedrock model a prompt may use; the runner gets `bedrock:InvokeModel` on exactly these. */
export interface BedrockModel {
  readonly modelId: string;
  /** The provider's region, when the config pins one. */
  readonly region?: string;
}

export interface DeploymentPlan {
  readonly routes: readonly WebhookRoute[];
  readonly schedules: readonly CronSchedule[];
  readonly secrets: readonly SecretReference[];
  /** Config paths holding a literal secret value (it would ship inside the function bundle). */
  readonly literalSecrets: readonly string[];
  readonly bedrockModels: readonly BedrockModel[];
}

/** EventBridge Scheduler: schedule names are 1-64 of `[0-9a-zA-Z-_.]`. */
const SCHEDULE_NAME = /^[0-9A-Za-z_.-]{1,64}$/;
/** A route path API Gateway takes literally: `/` or `/segment/...` of unreserved characters. */
const ROUTE_PATH = /^\/$|^(\/[A-Za-z0-9._~-]+)+$/;

/** Source types whose events arrive over HTTP, and so get an API Gateway route. */
const HTTP_SOURCE_TYPES = new Set(["git_push", "git_pr", "webhook", "custom"]);

/** True when the config has something the cloud path serves directly (a route or a schedule). */
export function hasCloudSources(config: OrchestratorConfig): boolean {
  return config.sources.some(
    (s) => s.type === "schedule" || (HTTP_SOURCE_TYPES.has(s.type) && "path" in s && s.path !== undefined),
  );
}

export function planDeployment(config: OrchestratorConfig): DeploymentPlan {
  return {
    routes: planRoutes(config),
    schedules: planSchedules(config),
    ...planSecrets(config),
    bedrockModels: planBedrockModels(config),
  };
}

function planRoutes(config: OrchestratorConfig): WebhookRoute[] {
  const byPath = new Map<string, string[]>();
  config.sources.forEach((source, index) => {
    if (!source.enabled || !HTTP_SOURCE_TYPES.has(source.type) || !("path" in source) || source.path === undefined)
      return;
    const path = source.path;
    if (!ROUTE_PATH.test(path)) {
      throw new OrchestratorPropsError(
        `config.sources[${index}].path`,
        `"${path}" is not a route path API Gateway can serve literally; use "/" or "/segment/..." with letters, digits, ".", "_", "~", "-"`,
      );
    }
    const names = byPath.get(path) ?? [];
    names.push(sourceName(source, index));
    byPath.set(path, names);
  });
  return [...byPath].map(([path, sources]) => ({ path, sources }));
}

function planSchedules(config: OrchestratorConfig): CronSchedule[] {
  const seen = new Set<string>();
  const schedules: CronSchedule[] = [];
  config.sources.forEach((source, index) => {
    if (source.type !== "schedule") return;
    const name = sourceName(source, index);
    const where = `config.sources[${index}]`;
    if (!SCHEDULE_NAME.test(name)) {
      throw new OrchestratorPropsError(
        `${where}.name`,
        `schedule name "${name}" must be 1-64 characters of letters, digits, "-", "_", "." (EventBridge Scheduler)`,
      );
    }
    if (seen.has(name))
      throw new OrchestratorPropsError(
        `${where}.name`,
        `two schedules are named "${name}"; give each a unique \`name\``,
      );
    seen.add(name);
    let expression: string;
    try {
      expression = toEventBridgeExpression(source.cron);
    } catch (err) {
      throw new OrchestratorPropsError(
        `${where}.cron`,
        `"${source.cron}": ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    if (!isTimeZone(source.timezone)) {
      throw new OrchestratorPropsError(
        `${where}.timezone`,
        `"${source.timezone}" is not an IANA time zone (e.g. "UTC", "Europe/Paris")`,
      );
    }
    schedules.push({
      name,
      handler: source.handler,
      cron: source.cron,
      expression,
      timezone: source.timezone,
      enabled: source.enabled,
    });
  });
  return schedules;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The secret references of the config and who reads each: the secrets guarding the enabled HTTP
 * endpoints (as ingest verifies them, GitHub defaults included) are ingest's; provider keys and
 * tool tokens are the runner's.
 */
function planSecrets(config: OrchestratorConfig): Pick<DeploymentPlan, "secrets" | "literalSecrets"> {
  const refs = new Map<string, { usedBy: string[]; readers: Set<SecretReader> }>();
  const literals: string[] = [];
  const visit = (value: string | undefined, path: string, reader: SecretReader): void => {
    if (value === undefined || value === "") return;
    const ref = secretRefName(value);
    if (ref === undefined) {
      if (!literals.includes(path)) literals.push(path);
      return;
    }
    const entry = refs.get(ref) ?? { usedBy: [], readers: new Set<SecretReader>() };
    if (!entry.usedBy.includes(path)) entry.usedBy.push(path);
    entry.readers.add(reader);
    refs.set(ref, entry);
  };
  const guarded = [...configEndpoints(config).values()].flatMap((e) => e.sources).sort((a, b) => a.index - b.index);
  for (const g of guarded) visit(g.secret, `sources[${g.index}].secret`, SecretReader.INGEST);
  for (const [name, provider] of Object.entries(config.providers))
    visit(provider.api_key, `providers.${name}.api_key`, SecretReader.RUNNER);
  visit(config.tools["tool-slack"]?.webhook_url, "tools.tool-slack.webhook_url", SecretReader.RUNNER);
  visit(config.tools["tool-github"]?.token, "tools.tool-github.token", SecretReader.RUNNER);
  const secrets = [...refs]
    .map(([name, e]) => ({ name, usedBy: e.usedBy, readers: [...e.readers].sort() }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { secrets, literalSecrets: literals };
}

/** The name the runner gives its built-in Bedrock provider when the config defines none by that name. */
const BUILTIN_BEDROCK = "bedrock";

/**
 * Every Bedrock model a prompt of the config can reach: each bedrock provider's model (or the
 * provider's default), and the models prompt steps name for such a provider, including the
 * runner's built-in `bedrock` provider. (Models named inside recipe files are not seen here.)
 */
function planBedrockModels(config: OrchestratorConfig): BedrockModel[] {
  const models = new Map<string, BedrockModel>();
  const add = (providerName: string, modelOverride: string | undefined): void => {
    const provider = config.providers[providerName];
    const builtin = provider === undefined && providerName === BUILTIN_BEDROCK;
    if (!builtin && provider?.kind !== "bedrock") return;
    const modelId = modelOverride ?? provider?.model ?? DEFAULT_BEDROCK_MODEL;
    const region = provider?.region;
    const key = `${region ?? ""}|${modelId}`;
    if (!models.has(key)) models.set(key, region === undefined ? { modelId } : { modelId, region });
  };
  for (const name of Object.keys(config.providers)) add(name, undefined);
  add(config.default_provider, undefined);
  for (const handler of Object.values(config.handlers)) {
    const handlerProvider = handler.provider ?? config.default_provider;
    add(handlerProvider, undefined);
    (handler.steps ?? []).forEach((step) => {
      if (!("prompt" in step) || typeof step.prompt !== "string") return;
      const model = "model" in step && typeof step.model === "string" ? step.model : undefined;
      const provider =
        ("provider" in step && typeof step.provider === "string" ? step.provider : undefined) ?? handlerProvider;
      add(provider, model);
    });
  }
  return [...models.values()];
}
