import { Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { SecretReference } from "../deployment-plan.ts";
import { acknowledgeWildcardResource } from "../nag-findings.ts";

/** `create`: the stack creates each secret (a generated placeholder value); `import`: they exist already. */
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
  /** What the functions get in `EVD_SECRETS` for this reference. */
  readonly locator: string;
  readonly secret?: secretsmanager.ISecret;
  readonly parameterName?: string;
  /** Imported by name (its ARN suffix is unknown). */
  readonly imported?: boolean;
}

/**
 * One Secrets Manager secret (or SSM parameter) per secret reference in the config. A created
 * secret holds a generated placeholder (usable as a GitHub webhook secret as is); a value from
 * the config never reaches the template. The functions learn where each secret lives from
 * `EVD_SECRETS` (reference -> ARN, name or `ssm:/path`) and may read exactly these.
 */
export class OrchestratorSecrets extends Construct {
  private readonly entries: readonly Entry[];

  constructor(scope: Construct, id: string, props: OrchestratorSecretsProps) {
    super(scope, id);
    this.entries = props.references.map((ref) => this.entryFor(ref, props));
  }

  /** The JSON map for `EVD_SECRETS`. */
  environmentValue(): string {
    return Stack.of(this).toJsonString(Object.fromEntries(this.entries.map((e) => [e.reference, e.locator])));
  }

  /** Reference -> where the secret lives (ARN, name or `ssm:/path`), for outputs. */
  get locators(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.entries.map((e) => [e.reference, e.locator]));
  }

  get secrets(): readonly secretsmanager.ISecret[] {
    return this.entries.flatMap((e) => (e.secret ? [e.secret] : []));
  }

  /** Read access to exactly the secrets of the config. */
  grantRead(grantee: iam.Role): void {
    for (const entry of this.entries) {
      if (entry.secret) {
        entry.secret.grantRead(grantee);
        if (entry.imported) {
          acknowledgeWildcardResource(
            grantee,
            `${entry.secret.secretArn}-??????`,
            `The secret ${entry.locator} is imported by name: Secrets Manager appends a random 6-character suffix to secret ARNs, which a grant by name can only match with "-??????".`,
          );
        }
      }
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
    const named = props.names[ref.name];
    if (named?.startsWith(SSM_PREFIX)) {
      return { reference: ref.name, locator: named, parameterName: named.slice(SSM_PREFIX.length) };
    }
    const secretName = named ?? `${props.namePrefix}${ref.name}`;
    if (props.mode === SecretMode.IMPORT) {
      const secret = secretsmanager.Secret.fromSecretNameV2(this, ref.name, secretName);
      return { reference: ref.name, locator: secretName, secret, imported: true };
    }
    const secret = new secretsmanager.Secret(this, ref.name, {
      secretName,
      description: `loop-event-driven ${ref.name} (used by ${ref.usedBy.join(", ")}); replace the placeholder with put-secret-value`,
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Webhook secrets are shared with the sender (GitHub) and API keys are issued by the provider: both are rotated by their owner with put-secret-value, not by a rotation Lambda.",
    });
    return { reference: ref.name, locator: secret.secretArn, secret };
  }
}
