/**
 * What every way of running handlers shares, built in one place so they cannot drift: the hook
 * bus (the config's hook modules), the secret store (the environment), and the pipeline runner
 * (recipes from the config folder, tools, providers, the handlers' durable state).
 */
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import type { Env } from "../../shared/config/interpolate.ts";
import { createHookBus } from "../../shared/hooks/hook-bus.ts";
import type { HookBus } from "../../shared/hooks/lifecycle.ts";
import { loadHookModules } from "../../shared/hooks/load-hook-modules.ts";
import type { Logger } from "../../shared/logging/logger.ts";
import { MapSecretStore } from "../../shared/memory/memory-secret-store.ts";
import { fileRecipeSource } from "../../shared/node/file-recipe-source.ts";
import { createPipelineRunner } from "../../shared/pipeline/create-pipeline-runner.ts";
import type { PipelineRunner } from "../../shared/pipeline/pipeline-runner.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { HandlerStateStore } from "../../shared/ports/handler-state-store.ts";
import type { SecretStore } from "../../shared/ports/secret-store.ts";
import type { Provider } from "../../shared/providers/provider.ts";

export interface RuntimeOptions {
  readonly config: OrchestratorConfig;
  /** The config folder: recipes, hook modules and tool roots are relative to it. */
  readonly configDir: string;
  /** Where `${NAME}` secret references resolve. */
  readonly env: Env;
  readonly logger: Logger;
  readonly handlerState: HandlerStateStore;
  readonly clock: Clock;
  /** Extra or overriding providers by name. */
  readonly providers?: Readonly<Record<string, Provider>>;
}

export interface Runtime {
  readonly hooks: HookBus;
  readonly secrets: SecretStore;
  readonly pipeline: PipelineRunner;
}

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const hooks = createHookBus(
    await loadHookModules(opts.config.hooks, opts.configDir),
    opts.logger.child({ component: "hooks" }),
  );
  const secrets = new MapSecretStore(opts.env);
  const pipeline = createPipelineRunner(opts.config, {
    recipes: fileRecipeSource(opts.configDir),
    secrets,
    filesystemRoot: opts.configDir,
    logger: opts.logger.child({ component: "pipeline" }),
    clock: opts.clock,
    handlerState: opts.handlerState,
    ...(opts.providers ? { providers: opts.providers } : {}),
  });
  return { hooks, secrets, pipeline };
}
