/**
 * `evd validate [--config F | --profile NAME | --bundle PATH]`: load and check a configuration
 * (syntax, schema, cron, timezones, references, recipe files) and print a short summary, or every
 * problem with its key path and line. Exit 1 when the configuration is invalid.
 */
import type { Command } from "commander";
import { relative } from "node:path";
import { ConfigError, type ConfigIssue } from "../../../shared/config/errors.ts";
import { missingHookModules } from "../../../shared/config/hook-files.ts";
import { loadConfig, type LoadedConfig } from "../../../shared/config/load.ts";
import type { SourceConfig } from "../../../shared/config/schema.ts";
import { secretRefName } from "../../../shared/config/secret-ref.ts";
import { sourceName } from "../../../shared/config/source-name.ts";
import { runnerTimeoutIssues } from "../../../shared/runner/deadline.ts";
import { describeWebhookScheme } from "../../../shared/signatures/webhook-scheme.ts";
import { fileRecipeSource } from "../../../shared/node/file-recipe-source.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";
import { checkRecipes, type RecipeCheck } from "../../../shared/pipeline/recipe-check.ts";

interface ValidateOptions {
  config?: string;
  profile?: string;
  bundle?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("validate")
    .description("check a configuration file and print its sources and handlers, or every problem with its key path")
    .option(
      "-c, --config <file>",
      "config file: YAML, JSON, or Markdown with front matter (default: evd.yaml, evd.yml or evd.json in the current folder)",
    )
    .option(
      "-p, --profile <name>",
      "Amplifier profile .amplifier/profiles/<name>.md, searched from the current folder upward",
    )
    .option("-b, --bundle <path>", "Amplifier bundle: a bundle.md file or the folder holding it")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  evd validate --config examples/webhook-integration.yaml\n  evd validate --profile pr-reviewer-daemon\n  evd validate --bundle examples/bundle\n\nExit status: 0 valid, 1 invalid.",
    )
    .action(async (opts: ValidateOptions) => {
      process.exitCode = await validate(opts);
    });
}

async function validate(opts: ValidateOptions): Promise<number> {
  try {
    const loaded = await loadConfig({
      configPath: opts.config,
      profile: opts.profile,
      bundle: opts.bundle,
      cwd: process.cwd(),
      env: process.env,
      files: nodeConfigFiles,
    });
    const recipes = await checkFiles(loaded);
    if (opts.json) process.stdout.write(`${JSON.stringify({ valid: true, ...summary(loaded, recipes) }, null, 2)}\n`);
    else process.stdout.write(render(loaded, recipes));
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (opts.json)
      process.stdout.write(`${JSON.stringify({ valid: false, where: err.where, issues: err.issues }, null, 2)}\n`);
    else process.stderr.write(`${err.message}\n`);
    return 1;
  }
}

/**
 * Hook modules must exist; every recipe is loaded and checked, recursively; a config with a
 * `cloud` section is also checked against what the cloud runs (each handler's timeout must fit
 * the runner Lambda's): every problem is listed.
 */
async function checkFiles(loaded: LoadedConfig): Promise<RecipeCheck> {
  const issues: ConfigIssue[] = await missingHookModules(loaded, nodeConfigFiles);
  const recipes = await checkRecipes(loaded.config, fileRecipeSource(loaded.configDir));
  issues.push(...recipes.issues);
  if (loaded.config.cloud) issues.push(...runnerTimeoutIssues(loaded.config));
  if (issues.length > 0) throw new ConfigError(relative(process.cwd(), loaded.configPath) || loaded.configPath, issues);
  return recipes;
}

const GITHUB_SCHEME = "github: X-Hub-Signature-256";

/** What a source listens to, and for HTTP sources the signature scheme that guards it. */
function describeSource(s: SourceConfig): string {
  switch (s.type) {
    case "file_change":
      return `${s.path} ${[s.pattern].flat().join(",")} (${s.events.join(", ")})`;
    case "git_push":
      return `POST ${s.path}${s.branches ? ` branches ${s.branches.join(", ")}` : ""} (${GITHUB_SCHEME})`;
    case "git_pr":
      return `POST ${s.path} actions ${s.events.join(", ")} (${GITHUB_SCHEME})`;
    case "webhook":
      return `POST ${s.path} (${describeWebhookScheme(s.signature, s.secret, s.secret === undefined ? undefined : secretRefName(s.secret), (name) => process.env[name])})`;
    case "schedule":
      return `"${s.cron}" ${s.timezone}`;
    case "custom":
      return s.github_events
        ? `GitHub events ${s.github_events.join(", ")} (${GITHUB_SCHEME})`
        : s.path
          ? `POST ${s.path}`
          : "custom events";
    case "manual":
      return "manual trigger";
  }
}

function summary(loaded: LoadedConfig, check: RecipeCheck) {
  const { config } = loaded;
  return {
    config: loaded.configPath,
    mode: config.mode,
    sources: config.sources.map((s, i) => ({
      name: sourceName(s, i),
      type: s.type,
      handler: s.handler,
      enabled: s.enabled,
      detail: describeSource(s),
    })),
    handlers: Object.entries(config.handlers).map(([name, h]) => ({
      name,
      kind: h.steps
        ? `${h.steps.length} step${h.steps.length === 1 ? "" : "s"}`
        : h.recipe
          ? `recipe ${h.recipe}`
          : "prompt",
      ...(h.description ? { description: h.description } : {}),
    })),
    recipes: check.recipes,
    agents: check.agents,
    ...(loaded.notes.length ? { notes: loaded.notes } : {}),
    state_dir: loaded.stateDir,
  };
}

function render(loaded: LoadedConfig, check: RecipeCheck): string {
  const s = summary(loaded, check);
  const rel = relative(process.cwd(), loaded.configPath) || loaded.configPath;
  const lines = [`${rel}: valid (mode ${s.mode})`, `sources (${s.sources.length}):`];
  for (const src of s.sources)
    lines.push(`  ${src.name}  ${src.type}  ${src.detail} -> ${src.handler}${src.enabled ? "" : "  [disabled]"}`);
  lines.push(`handlers (${s.handlers.length}):`);
  for (const h of s.handlers) lines.push(`  ${h.name}  ${h.kind}${h.description ? `  ${h.description}` : ""}`);
  if (s.recipes.length) lines.push(`recipes: ${s.recipes.join(", ")}`);
  const agents = Object.entries(s.agents);
  if (agents.length) {
    lines.push(`agents (${agents.length}):`);
    for (const [name, meaning] of agents) lines.push(`  ${name}  ${meaning}`);
  }
  for (const note of loaded.notes) lines.push(`note: ${note}`);
  lines.push(`state: ${relative(process.cwd(), s.state_dir) || "."}`);
  return `${lines.join("\n")}\n`;
}
