/**
 * Names under which some steps' outputs are also published, so the spec's examples run as written
 * (`{files_content}`, `{git_log}`, `{summary}`...). A later step with the same name replaces it;
 * a step's own `as:`/`output:` name is set after these, so it wins.
 */
import type { StepConfig } from "../config/schema.ts";
import { isPromptStep, isToolStep } from "./step-kind.ts";

const TOOL_OUTPUTS: Readonly<Record<string, readonly string[]>> = {
  "tool-git-advanced.log": ["git_log"],
  "tool-git-advanced.diff": ["git_diff"],
  "tool-filesystem.read": ["files_content", "file_content"],
  "tool-github.get_pr_diff": ["pr_diff"],
};

/** Every prompt step's output is the latest `{summary}` and `{response}`. */
export const PROMPT_OUTPUTS: readonly string[] = ["summary", "response"];

export function wellKnownOutputs(step: StepConfig): readonly string[] {
  if (isToolStep(step)) return TOOL_OUTPUTS[`${step.tool}.${step.action}`] ?? [];
  return isPromptStep(step) ? PROMPT_OUTPUTS : [];
}

/** Names a step cannot use for its output (the template roots and Amplifier's recipe/session/step). */
export { RESERVED_NAMES } from "../config/step-checks.ts";
