/**
 * Figure 6's comparison: a Probot app on Lambda as Probot documents it
 * (@probot/adapter-aws-lambda-serverless), with a no-op pull_request handler. Bundled exactly like
 * functions/ (functions/build.mjs options).
 */
import { createLambdaFunction, createProbot } from "@probot/adapter-aws-lambda-serverless";

export const handler = createLambdaFunction(
  (app) => {
    app.on("pull_request.opened", async () => {});
  },
  { probot: createProbot() },
);
