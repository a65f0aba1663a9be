/** A tool: named actions over arguments already rendered from templates. */
import type { Event } from "../events/event.ts";

export interface ToolContext {
  readonly signal?: AbortSignal;
  /** The output of the previous step, for actions whose content defaults to it. */
  readonly previousOutput?: unknown;
  readonly handler: string;
  /** The handler's `config` (e.g. `output_path`). */
  readonly handlerConfig?: Readonly<Record<string, unknown>>;
  /** The event being handled (tool-github reads `repo` and `number` from it by default). */
  readonly event?: Event;
}

export interface ToolResult {
  /** The step's output. */
  readonly output: unknown;
  /** What was acted on, for `actions_taken` (`tool-filesystem.write:out/x.md`). */
  readonly target?: string;
}

export interface Tool {
  readonly name: string;
  run(action: string, args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult>;
}
