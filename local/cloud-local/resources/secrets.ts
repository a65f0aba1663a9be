/** AWS::SecretsManager::Secret and AWS::SSM::Parameter -> the Secrets Manager / SSM emulator. */
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { generateSecretString, type GenerateSecretStringSpec } from "./generate-secret-string.ts";
import { str, type Provisioner } from "./provisioner.ts";

export const secretsManagerSecret: Provisioner = {
  types: ["AWS::SecretsManager::Secret"],
  async provision(ctx) {
    const p = ctx.properties;
    const name = str(p, "Name") ?? ctx.physicalName({ maxLength: 256 });
    const value =
      str(p, "SecretString") ??
      (p.GenerateSecretString !== undefined
        ? generateSecretString(
            p.GenerateSecretString as GenerateSecretStringSpec,
            `${ctx.logicalId}.Properties.GenerateSecretString`,
          )
        : undefined);
    const out = await ctx.cloud.opts.aws.secretsManager().send(
      new CreateSecretCommand({
        Name: name,
        ...(value !== undefined ? { SecretString: value } : {}),
        ...(str(p, "Description") ? { Description: str(p, "Description") } : {}),
      }),
    );
    if (p.KmsKeyId !== undefined) ctx.note("KMS encryption is declared, not emulated");
    if (p.ReplicaRegions !== undefined) ctx.note("replication is declared, not emulated");
    return { physicalId: out.ARN!, ref: out.ARN!, attributes: { Id: out.ARN! } };
  },
};

export const ssmParameter: Provisioner = {
  types: ["AWS::SSM::Parameter"],
  async provision(ctx) {
    const p = ctx.properties;
    const name = str(p, "Name") ?? `CFN-${ctx.physicalName({ maxLength: 1000 })}`;
    const type = str(p, "Type") ?? "String";
    await ctx.cloud.opts.aws
      .ssm()
      .send(new PutParameterCommand({ Name: name, Value: str(p, "Value") ?? "", Type: type as "String" }));
    return { physicalId: name, ref: name, attributes: { Type: type, Value: str(p, "Value") ?? "" } };
  },
};
