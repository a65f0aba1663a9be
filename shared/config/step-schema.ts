/**
 * The schema of one pipeline step, shared by handler `steps` in the config and by recipe files:
 * this project's `prompt` / `tool` + `action` / `recipe` steps and Amplifier's recipe step keys
 * (`id`, `type`, `agent`, `mode`, `output`, `condition`, `foreach`/`as`/`collect`/`parallel`,
 * `timeout`, `retry`, `on_error`, `parse_json`, `depends_on`, per-step `provider`/`model`).
 *
 * Keys an event-driven run cannot honour (bash steps, `agent_config`, convergence loops, ...) are
 * not in these schemas: step-refusals.ts explains each by name before the schema is consulted.
 * Checks that span keys (`parallel` needs `foreach`, `mode` needs a prompt) live in step-checks.ts.
 */
import { z } from "zod";
import { TOOL_ACTIONS } from "../tools/catalog.ts";

export const Backoff = { EXPONENTIAL: "exponential", LINEAR: "linear", FIXED: "fixed" } as const;
export const OnError = { FAIL: "fail", CONTINUE: "continue", SKIP_REMAINING: "skip_remaining" } as const;

const values = <T extends Record<string, string>>(o: T) => Object.values(o) as [T[keyof T], ...T[keyof T][]];

/** Iterations of one `foreach` running at once with `parallel: true`. */
export const DEFAULT_PARALLEL_ITERATIONS = 4;
/** Upper bound of `parallel: N`. */
export const MAX_PARALLEL_ITERATIONS = 32;
/** Amplifier's default `max_iterations` of a `foreach`. */
export const DEFAULT_MAX_ITERATIONS = 100;

export const OUTPUT_NAME = /^[A-Za-z_][\w-]*$/;
const outputName = z
  .string()
  .regex(OUTPUT_NAME, "a variable name starts with a letter or _ and holds letters, digits, _ or -");

/** A template that is exactly one variable: `{{budget}}` or `{budget}`. */
export const SINGLE_VARIABLE =
  /^\s*(?:\{\{\s*[A-Za-z_][\w-]*(?:\.[\w-]+)*\s*\}\}|\{[A-Za-z_][\w-]*(?:\.[\w-]+)*\})\s*$/;

export const StepRetry = z
  .strictObject({
    max_attempts: z.number().int().min(1).max(100).default(1).describe("Attempts of this step"),
    backoff: z
      .enum(values(Backoff))
      .default("exponential")
      .describe("Delay growth: exponential doubles, linear and fixed keep the first delay"),
    initial_delay: z
      .number()
      .nonnegative()
      .optional()
      .describe("Seconds before the second attempt (Amplifier); default 1 s"),
    max_delay: z
      .number()
      .nonnegative()
      .optional()
      .describe("Upper bound of a delay in seconds (Amplifier); default 30 s"),
  })
  .describe("Retry of this step inside one run");

const stepCommon = {
  id: z.string().min(1).optional().describe("Step id (Amplifier recipes); shown in logs, errors and `_skipped_steps`"),
  as: outputName
    .optional()
    .describe(
      "Name of this step's output (`{name}`); on a `foreach` step, the loop variable (Amplifier, default `item`)",
    ),
  output: outputName.optional().describe("Name of this step's output, readable later as `{{name}}` (Amplifier)"),
  condition: z
    .string()
    .min(1)
    .optional()
    .describe('Run the step only when this is true, e.g. "{config.post_comment}" or "{{severity}} != \'none\'"'),
  timeout: z
    .union([
      z.number().int().positive(),
      z.string().regex(SINGLE_VARIABLE, "a templated timeout is one variable, e.g. {{budget}}"),
    ])
    .optional()
    .describe("Seconds before an attempt of the step is abandoned (or one `{{variable}}` holding them)"),
  retry: StepRetry.optional(),
  on_error: z.enum(values(OnError)).default("fail").describe("What a failure of this step does to the pipeline"),
  default: z.unknown().optional().describe("Value used for template paths that are missing"),
  foreach: z
    .string()
    .regex(SINGLE_VARIABLE, "foreach names one list variable, e.g. {{files}}")
    .optional()
    .describe("Run the step once per item of this list (Amplifier), e.g. {{files}}"),
  collect: outputName.optional().describe("Name of the list of every iteration's output (with `foreach`)"),
  parallel: z
    .union([z.boolean(), z.number().int().min(1).max(MAX_PARALLEL_ITERATIONS)])
    .optional()
    .describe(
      `Run iterations at once: true = up to ${DEFAULT_PARALLEL_ITERATIONS}, N = up to N (at most ${MAX_PARALLEL_ITERATIONS}); results keep the list's order`,
    ),
  max_iterations: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(`A longer foreach list fails the step (default ${DEFAULT_MAX_ITERATIONS})`),
  parse_json: z
    .boolean()
    .optional()
    .describe(
      "true: extract JSON from the answer (whole text, a ```json block, or embedded); false: keep the text. Recipes parse a clean-JSON answer by default",
    ),
  depends_on: z
    .array(z.string().min(1))
    .optional()
    .describe("Ids of earlier steps this one needs (checked; steps run in order)"),
};

export const PromptStep = z
  .strictObject({
    prompt: z
      .string()
      .min(1)
      .describe('Prompt template sent to the provider, e.g. "Review {payload.pull_request.title}"'),
    type: z.literal("agent").optional().describe("Amplifier's step type of prompt steps"),
    agent: z
      .string()
      .min(1)
      .optional()
      .describe("Amplifier agent (e.g. foundation:zen-architect): its system prompt, provider and model from `agents`"),
    mode: z
      .string()
      .min(1)
      .optional()
      .describe('Agent mode: the prompt is sent as "MODE: <mode>", a blank line, the prompt'),
    ...stepCommon,
    provider: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Provider name (a key of `providers`, or echo); default: the agent's, the handler's, `default_provider`",
      ),
    model: z
      .string()
      .min(1)
      .optional()
      .describe("Model id, or a glob (claude-sonnet-*) resolved against the provider's `models` list"),
    system: z.string().optional().describe("System prompt (replaces the agent's)"),
    max_tokens: z.number().int().positive().optional().describe("Largest answer"),
  })
  .describe("Ask a model");

export const ToolStep = z
  .looseObject({
    tool: z
      .string()
      .min(1)
      .describe(`Tool name: ${Object.keys(TOOL_ACTIONS).join(", ")}`),
    action: z.string().min(1).describe("Action of the tool (see the tool list)"),
    ...stepCommon,
  })
  .superRefine((step, ctx) => {
    const actions = (TOOL_ACTIONS as Record<string, readonly string[]>)[step.tool];
    if (!actions) {
      ctx.addIssue({
        code: "custom",
        path: ["tool"],
        message: `unknown tool "${step.tool}"; known tools: ${Object.keys(TOOL_ACTIONS).join(", ")}`,
      });
    } else if (!actions.includes(step.action)) {
      ctx.addIssue({
        code: "custom",
        path: ["action"],
        message: `tool "${step.tool}" has no action "${step.action}"; its actions: ${actions.join(", ")}`,
      });
    }
    for (const other of ["prompt", "recipe", "agent"] as const) {
      if (other in step)
        ctx.addIssue({
          code: "custom",
          path: [other],
          message: `a step is one of prompt, tool or recipe; this one has both \`tool\` and \`${other}\``,
        });
    }
  })
  .describe("Call a tool; other keys are the action's arguments (templates allowed)");

export const RecursionLimits = z
  .strictObject({
    max_depth: z.number().int().min(1).max(20).default(5).describe("Recipes calling recipes, at most this deep"),
    max_total_steps: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .describe("Prompt steps across every nested recipe of one run"),
  })
  .describe("Recursion limits of recipe composition (Amplifier)");

export const RecipeStep = z
  .strictObject({
    recipe: z
      .string()
      .min(1)
      .describe(
        "Recipe file: in a recipe, relative to that recipe's folder; in the config, to the config folder; .yaml may be omitted",
      ),
    type: z
      .literal("recipe")
      .optional()
      .describe("Amplifier's form: the step's output is then the map of the sub-recipe's named outputs"),
    ...stepCommon,
    context: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Variables given to the recipe (templates allowed); the recipe sees nothing else of the caller"),
    recursion: RecursionLimits.partial().optional().describe("Overrides the recursion limits for this call"),
  })
  .describe("Run a recipe");

export const Step = z
  .union([PromptStep, RecipeStep, ToolStep])
  .describe("A pipeline step: one of `prompt`, `tool` or `recipe`");

export type StepConfig = z.output<typeof Step>;
export type PromptStepConfig = z.output<typeof PromptStep>;
export type ToolStepConfig = z.output<typeof ToolStep>;
export type RecipeStepConfig = z.output<typeof RecipeStep>;
export type StepRetryConfig = z.output<typeof StepRetry>;
export type RecursionLimitsConfig = z.output<typeof RecursionLimits>;
