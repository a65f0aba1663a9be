/** The config module: schema, parsing, loading, secret references, source names, JSON Schema, deploy bundle. */
export * from "./schema.ts";
export { parseConfig, type ParseConfigOptions } from "./parse.ts";
export { ConfigError, formatConfigIssues, type ConfigIssue } from "./errors.ts";
export { loadConfig, DEFAULT_CONFIG_FILES, type LoadConfigOptions, type LoadedConfig } from "./load.ts";
export { SECRET_KEYS, secretRefName, resolveSecret } from "./secret-ref.ts";
export { sourceName } from "./source-name.ts";
export { configJsonSchema } from "./json-schema.ts";
export { buildDeployBundle, configRecipeRefs, type DeployBundle } from "./deploy-bundle.ts";
export { recipeCandidates } from "./recipe-ref.ts";
export { missingHookModules } from "./hook-files.ts";
export type { Env } from "./interpolate.ts";
