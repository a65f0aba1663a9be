import { Aws } from "aws-cdk-lib";
import type { BedrockModel } from "./deployment-plan.ts";

/** Cross-region inference profile ids start with a geography (`us.`, `eu.`, `global.`...). */
const INFERENCE_PROFILE = /^(us|us-gov|eu|apac|jp|au|ca|global)\.(.+)$/;

/** The ARNs `bedrock:InvokeModel` needs for one model id (a foundation model, an inference profile, or an ARN). */
export function bedrockModelArns(model: BedrockModel): string[] {
  if (model.modelId.startsWith("arn:")) return [model.modelId];
  const region = model.region ?? Aws.REGION;
  const profile = INFERENCE_PROFILE.exec(model.modelId);
  if (profile) {
    return [
      `arn:${Aws.PARTITION}:bedrock:${region}:${Aws.ACCOUNT_ID}:inference-profile/${model.modelId}`,
      // The profile routes each request to one of its regions' copies of the model.
      `arn:${Aws.PARTITION}:bedrock:*::foundation-model/${profile[2]}`,
    ];
  }
  return [`arn:${Aws.PARTITION}:bedrock:${region}::foundation-model/${model.modelId}`];
}
