/** A tool: named actions over arguments already rendered from templates. */
export interface ToolContext {
  readonly signal?: AbortSignal;
  /** The output of the previous step, for actions whose content defaults to it. */
  readonly previousOutput?: unknown;
  readonly handler: string;
}

export interface Tool {
  readonly name: string;
  run(action: string, args: Record<string, unknown>, ctx: ToolContext): Promise<unknown>;
}
