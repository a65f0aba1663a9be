/**
 * The CDK app (`cdk.json`: `npx tsx infra/app.ts`). Deploys the config named by `-c config=PATH`,
 * else `EVD_CONFIG`, else examples/pr-review.yaml. Other context: `-c stackName=NAME` (default
 * the config's `cloud.stack_name`), `-c secrets=import` (use existing secrets instead of creating them),
 * `-c bundleAwsSdk=true` (bundle the AWS SDK instead of using the runtime's), `-c alarmEmail=ADDRESS`
 * (mail the alarms through a new SNS topic).
 */
import { buildApp } from "./build-app.ts";

const { app } = await buildApp({ env: process.env });
app.synth();
