/**
 * Amplifier recipe keys an event-driven run cannot honour, each refused by name with the reason
 * and what to write instead, before any schema is consulted: a recipe that uses one fails at
 * `evd validate`, never at run time and never with the key silently ignored.
 */
import { isPlainObject } from "./key-path.ts";

const BASH =
  "bash steps run shell commands with the daemon's (or the Lambda's) rights on event data, a command-injection risk this orchestrator does not take, and Lambda has no shell workspace; use a tool step (tool-git-advanced, tool-filesystem, tool-http) instead";
const CONVERGENCE =
  "convergence loops are not run here: an event-triggered run must end within its handler's timeout_ms; iterate a known list with `foreach`, or let a schedule or the next event run the recipe again";
const COMPOUND =
  "a multi-step loop body is not supported: move the body into a sub-recipe and loop over a `type: recipe` step (one call per item, same outputs)";
const STEP_GATE =
  "approval gates are a staged-mode feature here as in Amplifier: put the steps in `stages:` and give the stage an `approval:` block (with `when: before_stage` to ask before it runs)";

/** Step keys refused wherever a step appears (handler steps and recipe files). */
export const REFUSED_STEP_KEYS: Readonly<Record<string, string>> = {
  command: BASH,
  cwd: BASH,
  env: BASH,
  output_exit_code: BASH,
  agent_config:
    "`agent_config` overrides an Amplifier agent session's modules (providers, tools, orchestrator), which do not exist here; set the step's `provider`/`model`, or describe the agent under `agents:` in the config",
  spawn_mode:
    "`spawn_mode` chooses how Amplifier spawns an agent session; here a prompt step is one provider call, so there is nothing to spawn",
  model_role:
    "`model_role` routes through Amplifier's routing matrix, which does not exist here; name the step's `provider` and `model` (globs allowed)",
  provider_preferences:
    "`provider_preferences` lists fallbacks between Amplifier provider modules; here a step names one configured `provider` and `model`",
  while_condition: CONVERGENCE,
  while_steps: CONVERGENCE,
  break_when: CONVERGENCE,
  update_context: CONVERGENCE,
  max_while_iterations: CONVERGENCE,
  steps: COMPOUND,
  requires_approval: STEP_GATE,
  approval_message: STEP_GATE,
  approval: STEP_GATE,
};

/** Stage keys refused in staged recipes. */
export const REFUSED_STAGE_KEYS: Readonly<Record<string, string>> = {
  condition:
    "a stage `condition:` is not honoured (Amplifier refuses it too); put `condition:` on the stage's steps, where a skip is recorded in `_skipped_steps`",
};

export interface Refusal {
  /** The refused key (for `type: bash`, the key `type`). */
  readonly key: string;
  readonly reason: string;
}

/** The refused keys of a raw step, one per reason (`type: bash` with its `command` is one refusal). */
export function refusedStepKeys(step: unknown): Refusal[] {
  if (!isPlainObject(step)) return [];
  const found: Refusal[] = step.type === "bash" ? [{ key: "type", reason: BASH }] : [];
  for (const key of Object.keys(step)) {
    const reason = REFUSED_STEP_KEYS[key];
    if (reason !== undefined && !found.some((r) => r.reason === reason)) found.push({ key, reason });
  }
  return found;
}

export function refusedStageKeys(stage: unknown): Refusal[] {
  if (!isPlainObject(stage)) return [];
  return Object.keys(stage)
    .filter((k) => REFUSED_STAGE_KEYS[k] !== undefined)
    .map((key) => ({ key, reason: REFUSED_STAGE_KEYS[key]! }));
}
