/**
 * `evd cloud local --secret NAME=VALUE`: values set once the stack exists, through the same APIs
 * as `aws secretsmanager put-secret-value` / `aws ssm put-parameter`. NAME is a `${NAME}` reference
 * of an evd config (found through the functions' EVD_SECRETS), a secret name or ARN, or `ssm:/path`.
 */
import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import type { AwsClients } from "./aws-clients.ts";
import { TemplateError } from "./errors.ts";
import type { LocalCloud } from "./local-cloud.ts";

const SSM_PREFIX = "ssm:";

/** Where NAME lives: the functions' EVD_SECRETS map it, else NAME is the secret itself. */
function locatorOf(name: string, cloud: LocalCloud): string {
  for (const fn of cloud.functions.values()) {
    try {
      const map = JSON.parse(fn.spec.environment.EVD_SECRETS ?? "{}") as Record<string, string>;
      if (map[name]) return map[name];
    } catch {
      /* not an evd function */
    }
  }
  return name;
}

export async function presetSecrets(
  values: Readonly<Record<string, string>>,
  cloud: LocalCloud,
  aws: AwsClients,
): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    const locator = locatorOf(name, cloud);
    try {
      if (locator.startsWith(SSM_PREFIX))
        await aws.ssm().send(
          new PutParameterCommand({
            Name: locator.slice(SSM_PREFIX.length),
            Value: value,
            Type: "SecureString",
            Overwrite: true,
          }),
        );
      else await aws.secretsManager().send(new PutSecretValueCommand({ SecretId: locator, SecretString: value }));
    } catch (err) {
      throw new TemplateError(`--secret ${name}: could not set ${locator} (${(err as Error).message})`, { cause: err });
    }
  }
}
