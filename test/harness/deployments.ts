/**
 * Test deployments: one per cloud the integration tests set up (a table, a job queue and its DLQ,
 * and the config the stack would be synthesized from). The IAM conformance check binds the
 * synthesized stack's resources to these physical names, so the policies of the template can be
 * evaluated against the calls each component really made.
 */
import { secretRefName } from "../../shared/config/secret-ref.ts";
import { TEST_ACCOUNT } from "./aws-identity.ts";

export interface TestDeployment {
  readonly id: number;
  /** The config as a user writes it (parsed again by the stack's synthesis). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly tableName: string;
  readonly queueName: string;
  readonly dlqName: string;
  /** The S3 bucket of large payloads, when the test created one. */
  readonly bucketName?: string;
  /** Recipe files the config references, by path relative to the config (written next to it to synthesize). */
  readonly recipes?: Readonly<Record<string, string>>;
}

const registry: TestDeployment[] = [];

let nextId = 1;

/** Reserves an id for a deployment about to be created (the id goes into its access keys). */
export function newDeploymentId(): number {
  return nextId++;
}

export function registerDeployment(d: TestDeployment): TestDeployment {
  registry.push(d);
  return d;
}

export function deploymentById(id: number): TestDeployment | undefined {
  return registry.find((d) => d.id === id);
}

export function allDeployments(): readonly TestDeployment[] {
  return registry;
}

/** The stack name a config deploys as (`cloud.stack_name`, default LoopEventDriven). */
export function stackNameOf(config: Readonly<Record<string, unknown>>): string {
  const cloud = config.cloud as { stack_name?: string } | undefined;
  return cloud?.stack_name ?? "LoopEventDriven";
}

/** The role EventBridge Scheduler assumes for a deployment's schedules (a fixed name in the tests). */
export function schedulerRoleArnOf(d: Pick<TestDeployment, "id">): string {
  return `arn:aws:iam::${TEST_ACCOUNT}:role/evd-scheduler-${d.id}`;
}

/**
 * What the stack puts in EVD_SECRETS for the config: each `${NAME}` in a secret-bearing key maps
 * to `cloud.secrets.NAME` (an existing secret or `ssm:/path`), else to the secret the stack
 * creates, named `<stack name>/<NAME>`.
 */
export function secretLocatorsOf(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const named = ((config.cloud as { secrets?: Record<string, string> } | undefined)?.secrets ?? {}) as Record<
    string,
    string
  >;
  const refs = new Set<string>();
  const visit = (value: unknown, key?: string): void => {
    if (typeof value === "string") {
      const ref = key && ["secret", "api_key", "token", "webhook_url"].includes(key) ? secretRefName(value) : undefined;
      if (ref) refs.add(ref);
    } else if (Array.isArray(value)) value.forEach((v) => visit(v));
    else if (typeof value === "object" && value !== null)
      for (const [k, v] of Object.entries(value)) if (k !== "cloud") visit(v, k);
  };
  visit(config);
  // GitHub-facing sources without a secret use ${GITHUB_WEBHOOK_SECRET}.
  for (const s of (config.sources ?? []) as { type?: string; secret?: string }[])
    if ((s.type === "git_push" || s.type === "git_pr") && s.secret === undefined) refs.add("GITHUB_WEBHOOK_SECRET");
  return Object.fromEntries([...refs].sort().map((r) => [r, named[r] ?? `${stackNameOf(config)}/${r}`]));
}
