/**
 * Builds the CDK app from a config file: load and validate the config, build its deploy bundle,
 * add the stack and the cdk-nag AwsSolutions checks. `infra/app.ts` runs it for the CDK CLI; the
 * tests call it directly.
 */
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { CloudConfig } from "../shared/config/schema.ts";
import { buildDeployBundle, fileRecipeSource, loadConfig, nodeConfigFiles } from "./contracts.ts";
import { type EventDrivenOrchestratorProps, SecretMode } from "./event-driven-orchestrator.ts";
import { OrchestratorStack } from "./orchestrator-stack.ts";
import { OrchestratorPropsError } from "./errors.ts";

/** The config the app deploys when neither `-c config=...` nor `EVD_CONFIG` names one. */
export const DEFAULT_CONFIG_PATH = "examples/pr-review.yaml";

export interface BuildAppOptions {
  /** @default context `config`, else env `EVD_CONFIG`, else DEFAULT_CONFIG_PATH */
  readonly configPath?: string;
  /** Environment for `${VAR}` interpolation in the config and `EVD_CONFIG`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** Extra CDK context (tests pass `aws:cdk:bundling-stacks: []` to skip bundling). */
  readonly context?: Record<string, unknown>;
  /** @default - the CLI's output dir, else a temp dir */
  readonly outdir?: string;
  /**
   * Run CDK's built-in CloudFormation template validation (a WASM rule engine: several seconds of
   * CPU on the first synth in a process). Its findings are warnings unless the CDK context asks otherwise.
   * @default true
   */
  readonly cloudFormationValidation?: boolean;
  /** Overrides of the construct's optional props (the config and bundle come from the file). */
  readonly overrides?: Omit<EventDrivenOrchestratorProps, "config" | "deployBundle">;
}

export interface BuiltApp {
  readonly app: App;
  readonly stack: OrchestratorStack;
  readonly nag: AwsSolutionsChecks;
  readonly configPath: string;
}

export async function buildApp(opts: BuildAppOptions): Promise<BuiltApp> {
  const app = new App({
    ...(opts.context ? { context: opts.context } : {}),
    ...(opts.outdir ? { outdir: opts.outdir } : {}),
    builtinCloudFormationValidation: opts.cloudFormationValidation ?? true,
  });
  const fromContext = app.node.tryGetContext("config") as unknown;
  const configPath =
    opts.configPath ??
    (typeof fromContext === "string" ? fromContext : undefined) ??
    opts.env.EVD_CONFIG ??
    DEFAULT_CONFIG_PATH;
  const loaded = await loadConfig({
    configPath,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: opts.env,
    files: nodeConfigFiles,
  });
  const deployBundle = await buildDeployBundle(loaded, fileRecipeSource(loaded.configDir));
  const cloud = CloudConfig.parse(loaded.config.cloud ?? {});
  const stackName = stringContext(app, "stackName") ?? cloud.stack_name;
  const secretMode = stringContext(app, "secrets") ?? SecretMode.CREATE;
  if (secretMode !== SecretMode.CREATE && secretMode !== SecretMode.IMPORT) {
    throw new OrchestratorPropsError(
      "context secrets",
      `expected "${SecretMode.CREATE}" or "${SecretMode.IMPORT}"; got "${secretMode}"`,
    );
  }
  const region = cloud.region ?? opts.env.CDK_DEFAULT_REGION;
  const account = opts.env.CDK_DEFAULT_ACCOUNT;
  const stack = new OrchestratorStack(app, stackName, {
    description: `loop-event-driven orchestrator from ${loaded.configPath}`,
    ...(region || account ? { env: { ...(region ? { region } : {}), ...(account ? { account } : {}) } } : {}),
    ...(stringContext(app, "alarmEmail") ? { alarmEmail: stringContext(app, "alarmEmail") } : {}),
    orchestrator: {
      secretMode,
      bundleAwsSdk: stringContext(app, "bundleAwsSdk") === "true",
      ...opts.overrides,
      config: loaded.config,
      deployBundle,
    },
  });
  const nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  return { app, stack, nag, configPath: loaded.configPath };
}

function stringContext(app: App, key: string): string | undefined {
  const value = app.node.tryGetContext(key) as unknown;
  return typeof value === "string" && value !== "" ? value : undefined;
}
