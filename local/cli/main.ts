/**
 * The `evd` CLI. Each verb lives in its own module under ./commands and exports
 * `register(program)`, so verbs are added without touching this file.
 */
import { Command, CommanderError } from "commander";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface CommandModule {
  register(program: Command): void;
}

export async function buildProgram(): Promise<Command> {
  const program = new Command("evd")
    .description("loop-event-driven: run AI-agent pipelines when something happens")
    .showHelpAfterError()
    .exitOverride();
  const dir = fileURLToPath(new URL("./commands/", import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .sort();
  for (const file of files) {
    const mod = (await import(new URL(`./commands/${file}`, import.meta.url).href)) as Partial<CommandModule>;
    if (typeof mod.register === "function") mod.register(program);
  }
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`evd: ${message}\n`);
    return 1;
  }
}
