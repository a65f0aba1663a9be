/**
 * Support for the Amplifier compatibility suite: the suite's config copied to a temp folder, a
 * pipeline runner over it, and echo providers that record every request they are sent.
 */
import { cp } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig, type LoadedConfig } from "../../../shared/config/load.ts";
import type { Event } from "../../../shared/events/event.ts";
import type { RunResume } from "../../../shared/events/parked-run.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { fileRecipeSource } from "../../../shared/node/file-recipe-source.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";
import { createPipelineRunner } from "../../../shared/pipeline/create-pipeline-runner.ts";
import type { PipelineOutcome } from "../../../shared/pipeline/pipeline-runner.ts";
import { echoProvider } from "../../../shared/providers/echo.ts";
import type { CompletionRequest, Provider } from "../../../shared/providers/provider.ts";
import { jobFor, mapSecrets, signal } from "./support.ts";

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../fixtures/amplifier");

/** What a provider was sent: the rendered instruction, the system prompt, the model asked for. */
export interface SentPrompt {
  readonly provider: string;
  readonly prompt: string;
  readonly system?: string;
  readonly model?: string;
}

/** An echo provider named `name` that records each request in `sent` before answering. */
export function recordingEcho(
  name: string,
  sent: SentPrompt[],
  before?: (req: CompletionRequest) => Promise<void>,
): Provider {
  const echo = echoProvider(name);
  return {
    name,
    async complete(req) {
      sent.push({
        provider: name,
        prompt: req.prompt,
        ...(req.system !== undefined ? { system: req.system } : {}),
        ...(req.model !== undefined ? { model: req.model } : {}),
      });
      await before?.(req);
      return echo.complete(req);
    },
  };
}

export interface SuiteRun {
  readonly outcome: PipelineOutcome;
  readonly sent: SentPrompt[];
}

export interface Suite {
  readonly loaded: LoadedConfig;
  run(
    handler: string,
    payload?: Record<string, unknown>,
    extra?: Record<string, Provider>,
    resume?: RunResume,
  ): Promise<SuiteRun>;
}

export function suiteEvent(payload: Record<string, unknown>): Event {
  return { id: "evt-1", type: "manual", source: "cli", payload, timestamp: "2026-01-05T09:00:00.000Z" };
}

/** The suite's config (`evd.yaml` of `folder`, copied to `workDir` so tool writes stay out of the tree). */
export async function openSuite(workDir: string, folder = FIXTURES): Promise<Suite> {
  await cp(folder, workDir, { recursive: true });
  const loaded = await loadConfig({ configPath: join(workDir, "evd.yaml"), env: {}, files: nodeConfigFiles });
  return {
    loaded,
    async run(handler, payload = {}, extra = {}, resume) {
      const sent: SentPrompt[] = [];
      const providers: Record<string, Provider> = {};
      for (const name of ["echo", ...Object.keys(loaded.config.providers)]) providers[name] = recordingEcho(name, sent);
      const runner = createPipelineRunner(loaded.config, {
        recipes: fileRecipeSource(loaded.configDir),
        secrets: mapSecrets({}),
        filesystemRoot: loaded.configDir,
        logger: silentLogger,
        stepRetryDelayMs: 1,
        providers: { ...providers, ...extra },
        clock: { now: () => Date.parse("2026-01-05T09:00:01.000Z") },
      });
      const job = { ...jobFor(suiteEvent(payload), handler), ...(resume ? { resume } : {}) };
      const outcome = await runner.run(job, { signal: signal() });
      return { outcome, sent };
    },
  };
}
