/**
 * `evd cloud ...` run in this process, as an operator types it, against a context the test builds
 * (its SDK clients pointed at the emulators): the lines it printed and its exit code.
 */
import { Command } from "commander";
import { cloudCommand, type CloudContext } from "../../local/cli/commands/cloud.ts";

export interface CloudCliRun {
  readonly out: string[];
  readonly err: string[];
  readonly code: number;
}

export async function runCloudCli(args: readonly string[], context: () => Promise<CloudContext>): Promise<CloudCliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command("evd")
    .exitOverride()
    .addCommand(cloudCommand({ env: {}, out: (l) => out.push(l), err: (l) => err.push(l), context }));
  const before = process.exitCode;
  process.exitCode = 0;
  await program.parseAsync(["node", "evd", "cloud", ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { out, err, code };
}
