/**
 * The few pieces of `shared/` the infrastructure uses, in one place: the config loader and deploy
 * bundle, source names and secret references (config), and the cron conversion (sigcron).
 */
export { loadConfig, type LoadedConfig } from "../shared/config/load.ts";
export { buildDeployBundle, type DeployBundle } from "../shared/config/deploy-bundle.ts";
export { nodeConfigFiles } from "../shared/node/node-config-files.ts";
export { fileRecipeSource } from "../shared/node/file-recipe-source.ts";
export { secretRefName } from "../shared/config/secret-ref.ts";
export { sourceName } from "../shared/config/source-name.ts";

export { toEventBridgeExpression } from "../shared/cron/eventbridge.ts";
