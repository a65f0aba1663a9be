/** One-call convenience: run one job through a fresh pipeline runner (CLI one-shot, tests). */
import type { OrchestratorConfig } from "../config/schema.ts";
import type { Job } from "../events/event.ts";
import { createPipelineRunner, type PipelineRunnerDeps } from "./create-pipeline-runner.ts";
import type { PipelineContext, PipelineOutcome } from "./pipeline-runner.ts";

export function runPipeline(
  config: OrchestratorConfig,
  deps: PipelineRunnerDeps,
  job: Job,
  ctx: PipelineContext,
): Promise<PipelineOutcome> {
  return createPipelineRunner(config, deps).run(job, ctx);
}
