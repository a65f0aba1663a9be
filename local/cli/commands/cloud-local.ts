/**
 * `evd cloud local`: run the synthesized stack on this machine (no Docker, no AWS account).
 *
 *   evd cloud local [-c config=evd.yaml ...] [-o cdk.out]       synth, then run the stack
 *   evd cloud local --cdk-out DIR [--stack NAME]                 run an existing cloud assembly
 *   evd cloud local fire NAME [--time ISO]                       fire a schedule of the running stack now
 *
 * Registered under `evd cloud` (cloud.ts adds it). Exit status: 0 after Ctrl-C, 1 when the stack
 * cannot run (synth failed, template/code mismatch, an emulator did not start), 2 bad input.
 */
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";

export interface CloudLocalCliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM). */
  readonly stopSignal: () => Promise<string>;
}

const EXIT_FAILED = 1;
const EXIT_BAD_INPUT = 2;

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port number 0-65535 (0: any free port), got "${text}"`);
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function keyValues(pairs: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`${flag} ${pair}: expected NAME=VALUE`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function defaultDeps(): CloudLocalCliDeps {
  return {
    env: process.env,
    cwd: process.cwd(),
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    stopSignal: () =>
      new Promise((resolve) => {
        process.once("SIGINT", () => resolve("SIGINT"));
        process.once("SIGTERM", () => resolve("SIGTERM"));
      }),
  };
}

interface LocalOptions {
  context?: string[];
  output: string;
  cdkOut?: string;
  stack?: string;
  port: number;
  apiPort: number;
  secret?: string[];
  quiet?: boolean;
}

export function cloudLocalCommand(deps: CloudLocalCliDeps = defaultDeps()): Command {
  const local = new Command("local")
    .description(
      "run the synthesized stack on this machine: its Lambda bundles, HTTP API, queues, table, secrets and schedules (no Docker, no account)",
    )
    .option(
      "-c, --context <key=value>",
      "CDK context for the synth, e.g. -c config=examples/pr-review.yaml (repeatable)",
      collect,
    )
    .option("-o, --output <dir>", "where the synth writes the cloud assembly", "cdk.out")
    .option("--cdk-out <dir>", "run this existing cloud assembly instead of synthesizing")
    .option("--port <n>", "port of the local AWS endpoint (AWS_ENDPOINT_URL); 0: any free port", port, 4566)
    .option("--api-port <n>", "port of the (first) HTTP API; 0: any free port", port, 4567)
    .option(
      "--secret <name=value>",
      "set a secret once the stack exists: a ${NAME} reference of the config, a secret name, or ssm:/path (repeatable)",
      collect,
    )
    .option("-q, --quiet", "do not print the functions' logs and the API access lines")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  EVD_PROVIDER=echo evd cloud local -c config=examples/pr-review.yaml",
        "  evd cloud local --cdk-out cdk.out --stack EvdPrReview --port 0 --api-port 0",
        "  evd cloud local fire weekly-digest",
      ].join("\n"),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      process.exitCode = await runLocal(cmd.optsWithGlobals<LocalOptions>(), deps);
    });

  local
    .command("fire <schedule>")
    .description(
      "fire a schedule of the running stack now: its target gets the schedule's input, <aws.scheduler.scheduled-time> substituted",
    )
    .option("--time <iso>", "the scheduled time to substitute (default: now, to the second)")
    .option("--cdk-out <dir>", "the cloud assembly `evd cloud local` runs (it finds the endpoint there)", "cdk.out")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      process.exitCode = await runFire(name, cmd.optsWithGlobals<FireOptions>(), deps);
    });
  return local;
}

async function runLocal(o: LocalOptions, deps: CloudLocalCliDeps): Promise<number> {
  const { startCloudLocal } = await import("../../cloud-local/cloud-local.ts");
  const { banner } = await import("../../cloud-local/banner.ts");
  const { CloudLocalError } = await import("../../cloud-local/errors.ts");
  if (o.cdkOut !== undefined && o.context?.length) {
    deps.err("evd cloud local: give -c (synthesize) or --cdk-out (an existing cloud assembly), not both");
    return EXIT_BAD_INPUT;
  }
  let secrets: Record<string, string>;
  try {
    secrets = keyValues(o.secret ?? [], "--secret");
  } catch (err) {
    deps.err(`evd cloud local: ${(err as Error).message}`);
    return EXIT_BAD_INPUT;
  }
  let running;
  try {
    running = await startCloudLocal({
      cwd: deps.cwd,
      env: deps.env,
      ...(o.cdkOut !== undefined ? { cdkOut: o.cdkOut } : { synth: { context: o.context ?? [], outDir: o.output } }),
      ...(o.stack ? { stack: o.stack } : {}),
      port: o.port,
      apiPort: o.apiPort,
      secrets,
      log: o.quiet ? () => undefined : (source, line) => deps.out(`[${source}] ${line}`),
      progress: (line) => deps.err(`evd cloud local: ${line}`),
    });
  } catch (err) {
    const known = err instanceof CloudLocalError;
    const message = known ? (err as Error).message : ((err as Error).stack ?? String(err));
    const hint = /already in use/.test(message) ? " (--port and --api-port choose others; 0 picks free ones)" : "";
    deps.err(`evd cloud local: ${message}${hint}`);
    return EXIT_FAILED;
  }
  for (const line of banner(running, deps.cwd)) deps.out(line);
  const signal = await deps.stopSignal();
  deps.err(`evd cloud local: ${signal}: stopping`);
  await running.stop();
  return 0;
}

interface FireOptions {
  time?: string;
  cdkOut: string;
  endpoint?: string;
  region?: string;
  scheduleGroup?: string;
}

async function runFire(name: string, o: FireOptions, deps: CloudLocalCliDeps): Promise<number> {
  const { fireSchedule } = await import("../../cloud-local/schedules/fire-command.ts");
  const at = o.time === undefined ? new Date(Math.floor(Date.now() / 1000) * 1000) : new Date(o.time);
  if (Number.isNaN(at.getTime())) {
    deps.err(`evd cloud local fire: --time "${o.time}" is not a date (e.g. 2030-01-07T08:00:00Z)`);
    return EXIT_BAD_INPUT;
  }
  try {
    const firing = await fireSchedule({
      name,
      at,
      env: deps.env,
      assemblyDir: resolve(deps.cwd, o.cdkOut),
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.region ? { region: o.region } : {}),
      ...(o.scheduleGroup ? { group: o.scheduleGroup } : {}),
    });
    deps.out(
      `fired ${name} for ${firing.scheduledTime} -> ${firing.target}${firing.messageId ? ` (message ${firing.messageId})` : ""}`,
    );
    return 0;
  } catch (err) {
    deps.err(`evd cloud local fire: ${(err as Error).message}`);
    return EXIT_FAILED;
  }
}
