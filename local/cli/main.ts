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

/**
 * The program with the verbs of `verb` only (its modules are named after it: `<verb>.ts`,
 * `<verb>-*.ts`), or with every verb when `verb` is absent or unknown (help, errors). A daemon thus
 * never loads the cloud and bridge verbs and their AWS SDK clients (about 20 MB of a long-running
 * process's memory).
 */
export async function buildProgram(verb?: string): Promise<Command> {
  const program = new Command("evd")
    .description("loop-event-driven: run AI-agent pipelines when something happens")
    .showHelpAfterError()
    .exitOverride();
  const dir = fileURLToPath(new URL("./commands/", import.meta.url));
  const all = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .sort();
  const own = verb === undefined ? [] : all.filter((f) => f === `${verb}.ts` || f.startsWith(`${verb}-`));
  for (const file of own.length > 0 ? own : all) {
    const mod = (await import(new URL(`./commands/${file}`, import.meta.url).href)) as Partial<CommandModule>;
    if (typeof mod.register === "function") mod.register(program);
  }
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const verb = argv[2];
  const program = await buildProgram(verb === undefined || verb.startsWith("-") ? undefined : verb);
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
