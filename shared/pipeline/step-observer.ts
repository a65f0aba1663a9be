/**
 * What the step engine tells an observer while a job runs: each step that runs (its kind, where it
 * is, what it did or how it failed), and the token usage of each prompt. Tracing (a span per step,
 * shared/tracing) and budgets (tokens and dollars, shared/guardrails) listen here; the engine
 * knows neither. Observers must not throw: they watch, they do not steer.
 */
export const StepKind = { PROMPT: "prompt", TOOL: "tool", RECIPE: "recipe" } as const;
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

export interface StepStart {
  /** Where the step is, as errors name it: `steps[1] (review)`, `recipe recipes/x steps[0]`. */
  readonly where: string;
  readonly kind: StepKind;
  readonly index: number;
  readonly id?: string;
  /** Tool steps: the tool and its action. */
  readonly tool?: string;
  readonly action?: string;
  /** Recipe steps: the recipe reference as written. */
  readonly recipe?: string;
}

/** One provider answer (each attempt of a prompt step that got an answer). */
export interface PromptUsage {
  readonly provider: string;
  readonly model?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

export interface StepEnd {
  /** What `actions_taken` records for it: `prompt:echo`, `tool-filesystem.write:out/x.md`. */
  readonly action?: string;
  /** The step's output (tool-filesystem writes: `{path, bytes}`). */
  readonly output?: unknown;
  /** Set when the step failed (after its retries). */
  readonly error?: string;
}

/** One running step. */
export interface StepObservation {
  prompt(usage: PromptUsage): void;
  /** The step's input once its templates are rendered (each attempt): `{prompt, system?}`, the tool's arguments, a recipe's context. */
  input?(rendered: unknown): void;
  /** The observer of the steps a recipe step runs. */
  readonly nested: StepObserver;
  end(outcome: StepEnd): void;
}

export interface StepObserver {
  /** A step starts (once, whatever its retries). */
  step(start: StepStart): StepObservation;
  /** A step did not run: its `condition` was false. */
  skipped?(start: StepStart, reason: string): void;
}

const noObservation: StepObservation = {
  prompt() {},
  get nested() {
    return noStepObserver;
  },
  end() {},
};

export const noStepObserver: StepObserver = { step: () => noObservation };

/** Several observers as one: each sees every step, in order. */
export function combineStepObservers(observers: readonly StepObserver[]): StepObserver {
  const live = observers.filter((o) => o !== noStepObserver);
  if (live.length === 0) return noStepObserver;
  if (live.length === 1) return live[0]!;
  return {
    skipped: (start, reason) => live.forEach((o) => o.skipped?.(start, reason)),
    step(start) {
      const parts = live.map((o) => o.step(start));
      return {
        prompt: (usage) => parts.forEach((p) => p.prompt(usage)),
        input: (rendered) => parts.forEach((p) => p.input?.(rendered)),
        get nested() {
          return combineStepObservers(parts.map((p) => p.nested));
        },
        end: (outcome) => parts.forEach((p) => p.end(outcome)),
      };
    },
  };
}
