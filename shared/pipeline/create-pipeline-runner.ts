/**
 * The pipeline runner: turns a job into a run of its handler's steps (`steps`, `recipe`, or the
 * `prompt` shorthand) and reports a PipelineOutcome. The handler's `timeout_ms` and job retries
 * belong to the job runner; this honours `ctx.signal` and per-step `timeout`/`retry`.
 */
import type { OrchestratorConfig, StepConfig } from "../config/schema.ts";
import type { Logger } from "../logging/logger.ts";
import { systemClock, type Clock } from "../ports/clock.ts";
import type { HandlerStateStore } from "../ports/handler-state-store.ts";
import type { RecipeSource } from "../ports/recipe-source.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import type { Provider } from "../providers/provider.ts";
import { createProviderRegistry } from "../providers/registry.ts";
import { createToolRegistry, filesystemRootOf } from "../tools/registry.ts";
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOTAL_STEPS, type EngineEnv } from "./engine-env.ts";
import { FROM_THE_TOP, restore } from "./approval-gate.ts";
import { RecipeError, errorMessage, isPermanent } from "./errors.ts";
import type { PipelineOutcome, PipelineRunner } from "./pipeline-runner.ts";
import { handlerRecipeContext, loadRecipe, recipeFrame, runRecipe } from "./run-recipe.ts";
import { runSteps } from "./run-steps.ts";
import { baseScope, eventShortcuts, type Frame } from "./scope.ts";
import { combineStepObservers, noStepObserver } from "./step-observer.ts";
import { StepTraceLog } from "./step-trace-log.ts";

export { mapRecipeSource } from "./recipe-source.ts";

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
  /** For `{{session.started}}`. @default systemClock */
  readonly clock?: Clock;
  /** The handlers' durable state (tool-state): the embedded store locally, DynamoDB in the cloud. */
  readonly handlerState?: HandlerStateStore;
}

export function createPipelineRunner(config: OrchestratorConfig, deps: PipelineRunnerDeps): PipelineRunner {
  const providers = createProviderRegistry(config, { secrets: deps.secrets, fetch: deps.fetch, extra: deps.providers });
  const tools = createToolRegistry(config.tools, {
    secrets: deps.secrets,
    baseDir: deps.filesystemRoot,
    fetch: deps.fetch,
    commentMarker: config.guardrails.self_comments.marker,
    ...(deps.handlerState ? { handlerState: deps.handlerState } : {}),
  });
  const fsRoot = filesystemRootOf(config.tools, deps.filesystemRoot);
  const clock = deps.clock ?? systemClock;
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
      const trace = new StepTraceLog(() => clock.now());
      const env: EngineEnv = {
        config,
        providers,
        tools,
        recipes: deps.recipes,
        logger,
        handlerName: job.handler,
        handler,
        event: job.event,
        actions,
        retryBaseDelayMs: deps.stepRetryDelayMs ?? 1000,
        observer: combineStepObservers([ctx.observer ?? noStepObserver, trace]),
        budget: { used: 0, max: DEFAULT_MAX_TOTAL_STEPS },
      };
      const session = { id: job.id, started: new Date(clock.now()).toISOString(), project: deps.filesystemRoot };
      const root: Frame = {
        prefix: "",
        base: baseScope(job.event, handler.config, ctx.lastRun, session),
        shortcuts: eventShortcuts(job.event, deps.filesystemRoot, fsRoot),
        context: {},
        vars: {},
        named: {},
        steps: [],
        last: { has: false },
        recipeStack: [],
        maxDepth: DEFAULT_MAX_DEPTH,
        skipped: [],
      };
      let frame = root;
      try {
        if (handler.recipe !== undefined) {
          const recipe = await loadRecipe(env, handler.recipe, undefined, [], root.maxDepth);
          const maxDepth = recipe.recursion?.max_depth ?? DEFAULT_MAX_DEPTH;
          env.budget.max = recipe.recursion?.max_total_steps ?? DEFAULT_MAX_TOTAL_STEPS;
          const resume = job.resume;
          const context = resume ? resume.parked.snapshot.context : handlerRecipeContext(recipe, handler);
          frame = recipeFrame(root, recipe, context, maxDepth);
          let start = FROM_THE_TOP;
          if (resume) start = restore(resume, recipe, frame, env);
          else actions.push(`recipe:${recipe.id}`);
          const run = await runRecipe(recipe, frame, env, ctx.signal, start, true);
          if (typeof run === "object") {
            logger.log("info", "run stopped at an approval gate", { stage: run.parked.gate.stage });
            return {
              success: true,
              actions_taken: actions,
              ...(frame.last.has ? { output: frame.last.output } : {}),
              parked: run.parked,
              steps: trace.entries(),
            };
          }
        } else if (job.resume) {
          throw new RecipeError(
            `handler "${job.handler}" has no recipe: a run stopped at an approval gate cannot continue`,
          );
        } else {
          const steps: readonly StepConfig[] = handler.steps ?? [{ prompt: handler.prompt!, on_error: "fail" }];
          await runSteps(steps, frame, env, ctx.signal);
        }
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
