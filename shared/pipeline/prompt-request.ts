/**
 * What a prompt step sends, and to whom: Amplifier's `agent` and `mode` mapped onto this
 * project's providers. The agent's entry under `agents:` gives a system prompt, a provider and a
 * model (an agent not listed: no system prompt, the handler's provider); the step's own
 * `provider`, `model` and `system` win. `mode` prefixes the prompt as Amplifier does
 * (`MODE: ANALYZE`, a blank line, the prompt); `parse_json: true` appends a request for JSON.
 */
import type { AgentConfig, OrchestratorConfig, PromptStepConfig } from "../config/schema.ts";
import type { CompletionRequest } from "../providers/provider.ts";
import type { ProviderEntry } from "../providers/registry.ts";
import { RecipeError } from "./errors.ts";
import { resolveModel } from "./model-glob.ts";
import { JSON_ANSWER_INSTRUCTION } from "./parse-json.ts";

export interface PromptTarget {
  readonly providerName: string;
  readonly agent?: AgentConfig;
  /** The model to ask for, globs resolved; undefined: the provider's configured model. */
  readonly model?: string;
}

/**
 * The provider name and model a prompt step uses; throws a permanent RecipeError for a glob that
 * cannot resolve. `handlerProvider` is the handler's `provider`.
 */
export function promptTarget(
  step: PromptStepConfig,
  config: Pick<OrchestratorConfig, "agents" | "providers" | "default_provider">,
  handlerProvider: string | undefined,
  where: string,
): PromptTarget {
  const agent = step.agent === undefined ? undefined : config.agents[step.agent];
  const providerName = step.provider ?? agent?.provider ?? handlerProvider ?? config.default_provider;
  const wanted = step.model ?? agent?.model;
  if (wanted === undefined) return { providerName, ...(agent ? { agent } : {}) };
  const resolved = resolveModel(wanted, providerName, config.providers[providerName]);
  if (!resolved.ok) throw new RecipeError(`${where}.model: ${resolved.problem}`);
  return { providerName, ...(agent ? { agent } : {}), model: resolved.model };
}

/** The instruction sent for an already rendered prompt: the mode prefix and the JSON request applied. */
export function instructionOf(step: Pick<PromptStepConfig, "mode" | "parse_json">, renderedPrompt: string): string {
  const moded = step.mode === undefined ? renderedPrompt : `MODE: ${step.mode}\n\n${renderedPrompt}`;
  return step.parse_json === true ? moded + JSON_ANSWER_INSTRUCTION : moded;
}

export function completionRequest(
  step: PromptStepConfig,
  target: PromptTarget,
  entry: ProviderEntry,
  instruction: string,
  renderedSystem: string | undefined,
  signal: AbortSignal,
): CompletionRequest {
  const system = renderedSystem ?? target.agent?.system;
  return {
    prompt: instruction,
    ...(system !== undefined ? { system } : {}),
    model: target.model ?? entry.model,
    maxTokens: step.max_tokens ?? target.agent?.max_tokens ?? entry.maxTokens,
    signal,
  };
}
