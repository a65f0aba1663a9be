/**
 * The pipeline runner: turns a job into a run of its handler's steps (`steps`, `recipe`, or the
 * `prompt` shorthand) and reports a PipelineOutcome. The handler's `timeout_ms` and job retries
 * belong to the job runner; this honours `ctx.signal` and per-step `timeout`/`retry`.
 */
import type { OrchestratorConfig, StepConfig } from "../config/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import type { Provider } from "../providers/provider.ts";
import { createProviderRegistry } from "../providers/registry.ts";
import { createToolRegistry, filesystemRootOf } from "../tools/registry.ts";
import { errorMessage, isPermanent } from "./errors.ts";
import type { PipelineOutcome, PipelineRunner, RecipeSource } from "./pipeline-runner.ts";
import { loadRecipe, recipeFrame, runSteps, type EngineEnv } from "./run-steps.ts";
import { baseScope, eventShortcuts, type Frame } from "./scope.ts";
import { StepTraceLog } from "./step-trace-log.ts";

export { fileRecipeSource, mapRecipeSource } from "./recipe-source.ts";

export interface PipelineRunnerDeps {
  readonly recipes: RecipeSource;
  readonly secrets: SecretStore;
  /** The config folder: default root of tool-filesystem and repository of tool-git-advanced. */
  readonly filesystemRoot: string;
  readonly fetch?: typeof fetch;
  /** Extra or overriding providers by name (e.g. Bedrock from shared/aws). */
  readonly providers?: Readonly<Record<string, Provider>>;
  readonly logger: Logger;
  /** First delay of a step's `retry` backoff. @default 1000 */
  readonly stepRetryDelayMs?: number;
  /** Clock of the step trace's timings. @default Date.now */
  readonly now?: () => number;
}

export function createPipelineRunner(config: OrchestratorConfig, deps: PipelineRunnerDeps): PipelineRunner {
  const providers = createProviderRegistry(config, { secrets: deps.secrets, fetch: deps.fetch, extra: deps.providers });
  const tools = createToolRegistry(config.tools, {
    secrets: deps.secrets,
    baseDir: deps.filesystemRoot,
    fetch: deps.fetch,
  });
  const fsRoot = filesystemRootOf(config.tools, deps.filesystemRoot);
  return {
    async run(job, ctx): Promise<PipelineOutcome> {
      const actions: string[] = [];
      const handler = config.handlers[job.handler];
      if (!handler) {
        return {
          success: false,
          actions_taken: actions,
          permanent: true,
          error: `no handler named "${job.handler}"; handlers: ${Object.keys(config.handlers).join(", ") || "(none)"}`,
        };
      }
      const logger = deps.logger.child({ job_id: job.id, handler: job.handler, event_id: job.event.id });
      const trace = new StepTraceLog(deps.now ?? Date.now);
      const env: EngineEnv = {
        providers,
        tools,
        recipes: deps.recipes,
        logger,
        signal: ctx.signal,
        handlerName: job.handler,
        handler,
        event: job.event,
        actions,
        retryBaseDelayMs: deps.stepRetryDelayMs ?? 1000,
        trace,
      };
      const root: Frame = {
        prefix: "",
        base: baseScope(job.event, handler.config, ctx.lastRun),
        shortcuts: eventShortcuts(job.event, deps.filesystemRoot, fsRoot),
        context: {},
        vars: {},
        steps: [],
        last: { has: false },
        recipeStack: [],
      };
      let frame = root;
      try {
        let steps: readonly StepConfig[];
        if (handler.steps) steps = handler.steps;
        else if (handler.prompt !== undefined) steps = [{ prompt: handler.prompt, on_error: "fail" }];
        else {
          const recipe = await loadRecipe(env, handler.recipe!, []);
          actions.push(`recipe:${recipe.ref}`);
          frame = recipeFrame(root, recipe, {});
          steps = recipe.steps;
        }
        await runSteps(steps, frame, env, ctx.signal);
        return {
          success: true,
          actions_taken: actions,
          ...(frame.last.has ? { output: frame.last.output } : {}),
          steps: trace.entries(),
        };
      } catch (error) {
        const message =
          ctx.signal.aborted && !errorMessage(error).includes("aborted")
            ? `${errorMessage(error)} (aborted)`
            : errorMessage(error);
        logger.log("error", "pipeline failed", { error: message, permanent: isPermanent(error) });
        return {
          success: false,
          actions_taken: actions,
          error: message,
          ...(isPermanent(error) && !ctx.signal.aborted ? { permanent: true } : {}),
          ...(frame.last.has ? { output: frame.last.output } : {}),
          steps: trace.entries(),
        };
      }
    },
  };
}
