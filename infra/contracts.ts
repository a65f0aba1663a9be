/**
 * The few pieces of `shared/` the infrastructure uses, in one place: the config loader and deploy
 * bundle, source names and secret references (config), the endpoints ingest serves and the
 * secrets guarding them (ingest), and the cron conversion.
 */
export { loadConfig, type LoadedConfig } from "../shared/config/load.ts";
export { buildDeployBundle, type DeployBundle } from "../shared/config/deploy-bundle.ts";
export { nodeConfigFiles } from "../shared/node/node-config-files.ts";
export { fileRecipeSource } from "../shared/node/file-recipe-source.ts";
export { secretRefName } from "../shared/config/secret-ref.ts";
export { sourceName } from "../shared/config/source-name.ts";
export { configEndpoints } from "../shared/ingest/endpoints.ts";
export { runnerTimeoutIssues } from "../shared/runner/deadline.ts";
export {
  eventSourceConcurrency,
  MAX_EVENT_SOURCE_CONCURRENCY,
  MIN_EVENT_SOURCE_CONCURRENCY,
  needsRunSlot,
} from "../shared/aws/run-slots.ts";

export { toEventBridgeExpression } from "../shared/cron/eventbridge.ts";
