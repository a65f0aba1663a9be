import { RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { SecretReader, SecretReference } from "../deployment-plan.ts";
import { acknowledgeWildcardResource } from "../nag-findings.ts";

/**
 * For the secrets the stack owns (references the config's `cloud.secrets` does not map):
 * `create` them (a generated placeholder value), or `import` them because they exist already
 * (the stack keeps them when deleted, so a stack deployed again after a delete imports them).
 */
export const SecretMode = { CREATE: "create", IMPORT: "import" } as const;
export type SecretMode = (typeof SecretMode)[keyof typeof SecretMode];

const SSM_PREFIX = "ssm:";

export interface OrchestratorSecretsProps {
  /** The `${NAME}` references of the config. */
  readonly references: readonly SecretReference[];
  /** The config's `cloud.secrets`: reference -> Secrets Manager secret name, or `ssm:/parameter/path`. */
  readonly names: Readonly<Record<string, string>>;
  /** Whether Secrets Manager secrets are created by the stack or imported by name. */
  readonly mode: SecretMode;
  /** Prefix of the name of a secret the config does not name: `<prefix><REFERENCE>`. */
  readonly namePrefix: string;
}

interface Entry {
  readonly reference: string;
  readonly readers: readonly SecretReader[];
  /** What the functions get in `EVD_SECRETS` for this reference. */
  readonly locator: string;
  readonly secret?: secretsmanager.ISecret;
  readonly parameterName?: string;
  /** Imported by name (its ARN suffix is unknown). */
  readonly imported?: boolean;
}

/**
 * One Secrets Manager secret (or SSM parameter) per secret reference in the config.
 * - A reference the config's `cloud.secrets` maps is yours: an existing Secrets Manager secret
 *   (name or ARN) or `ssm:/path`, imported, never created or deleted by the stack.
 * - Every other reference gets a secret the stack owns, named `<stack name>/<REFERENCE>` (so two
 *   stacks deployed from one config never fight over one secret), created with a generated
 *   placeholder (usable as a GitHub webhook secret as is; a value from the config never reaches
 *   the template) and kept when the stack is deleted (RETAIN: a webhook secret shared with GitHub
 *   must not vanish with a stack update gone wrong).
 * Each function learns where ITS secrets live from `EVD_SECRETS` (reference -> ARN, name or
 * `ssm:/path`) and may read exactly those: ingest the webhook secrets, the runner the provider
 * keys and tool tokens.
 */
export class OrchestratorSecrets extends Construct {
  private readonly entries: readonly Entry[];

  constructor(scope: Construct, id: string, props: OrchestratorSecretsProps) {
    super(scope, id);
    this.entries = props.references.map((ref) => this.entryFor(ref, props));
  }

  /** The JSON map for `EVD_SECRETS` of the function that is `reader`: its references only. */
  environmentValue(reader: SecretReader): string {
    return Stack.of(this).toJsonString(
      Object.fromEntries(this.entries.filter((e) => e.readers.includes(reader)).map((e) => [e.reference, e.locator])),
    );
  }

  /** Reference -> where the secret lives (ARN, name or `ssm:/path`), for outputs. */
  get locators(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.entries.map((e) => [e.reference, e.locator]));
  }

  get secrets(): readonly secretsmanager.ISecret[] {
    return this.entries.flatMap((e) => (e.secret ? [e.secret] : []));
  }

  /**
   * `secretsmanager:GetSecretValue` (nothing else: the functions never describe or list secrets)
   * and `ssm:GetParameter` on exactly the secrets `reader` uses.
   */
  grantRead(grantee: iam.Role, reader: SecretReader): void {
    const mine = this.entries.filter((e) => e.readers.includes(reader));
    const secretArns: string[] = [];
    for (const entry of mine) {
      if (entry.secret) {
        const arn = entry.imported ? `${entry.secret.secretArn}-??????` : entry.secret.secretArn;
        secretArns.push(arn);
        if (entry.imported) {
          acknowledgeWildcardResource(
            grantee,
            arn,
            `The secret ${entry.locator} is imported by name: Secrets Manager appends a random 6-character suffix to secret ARNs, which a grant by name can only match with "-??????".`,
          );
        }
      }
    }
    if (secretArns.length)
      grantee.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "ReadSecrets",
          actions: ["secretsmanager:GetSecretValue"],
          resources: secretArns,
        }),
      );
    for (const entry of mine) {
      if (entry.parameterName !== undefined) {
        grantee.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ["ssm:GetParameter"],
            resources: [
              Stack.of(this).formatArn({
                service: "ssm",
                resource: "parameter",
                resourceName: entry.parameterName.replace(/^\//, ""),
              }),
            ],
          }),
        );
      }
    }
  }

  private entryFor(ref: SecretReference, props: OrchestratorSecretsProps): Entry {
    const base = { reference: ref.name, readers: ref.readers };
    const named = props.names[ref.name];
    if (named?.startsWith(SSM_PREFIX)) {
      return { ...base, locator: named, parameterName: named.slice(SSM_PREFIX.length) };
    }
    if (named !== undefined) {
      // Yours: an existing secret, by full ARN or by name.
      const secret = named.startsWith("arn:")
        ? secretsmanager.Secret.fromSecretCompleteArn(this, ref.name, named)
        : secretsmanager.Secret.fromSecretNameV2(this, ref.name, named);
      return { ...base, locator: named, secret, imported: !named.startsWith("arn:") };
    }
    const secretName = `${props.namePrefix}${ref.name}`;
    if (props.mode === SecretMode.IMPORT) {
      const secret = secretsmanager.Secret.fromSecretNameV2(this, ref.name, secretName);
      return { ...base, locator: secretName, secret, imported: true };
    }
    const secret = new secretsmanager.Secret(this, ref.name, {
      secretName,
      description: `loop-event-driven ${ref.name} (used by ${ref.usedBy.join(", ")}); replace the placeholder with put-secret-value`,
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Webhook secrets are shared with the sender (GitHub) and API keys are issued by the provider: both are rotated by their owner with put-secret-value, not by a rotation Lambda.",
    });
    return { ...base, locator: secret.secretArn, secret };
  }
}
