/**
 * `evd event --type T --payload JSON [--handler H] [--source S] [--id ID] [--config F | --profile NAME | --bundle PATH]`
 *
 * One-shot (the spec's `amplifier event`), on the library API (local/orchestrator): build one
 * event as its real source would, route it through the shared admission (hooks, then routing or
 * `--handler`), run each matched handler once with `handleEvent` (the job runner the daemon and
 * the Lambda use; in-memory stores, no retries), and print each EventResult as one JSON line on
 * stdout. Logs go to stderr (warnings and errors; `--verbose` for all).
 * Exit status: 0 all succeeded (or nothing matched: a notice on stderr), 1 a handler failed,
 * 2 bad input (unknown type, bad JSON, bad config, unknown handler).
 */
import type { Command } from "commander";
import { ConfigError } from "../../../shared/config/errors.ts";
import { EventError } from "../../../shared/events/errors.ts";
import { buildCliEvent, parsePayloadJson } from "../../../shared/events/cli-event.ts";
import type { Event, EventResult } from "../../../shared/events/event.ts";
import { AdmissionKind } from "../../../shared/ingest/admit.ts";
import { jsonLogger } from "../../../shared/logging/logger.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { RouterError } from "../../../shared/router/errors.ts";
import { createOrchestrator, type Orchestrator } from "../../orchestrator/create-orchestrator.ts";

interface EventOptions {
  type?: string;
  payload: string;
  handler?: string;
  source?: string;
  id?: string;
  config?: string;
  profile?: string;
  bundle?: string;
  verbose?: boolean;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_BAD_INPUT = 2;

export function register(program: Command): void {
  program
    .command("event")
    .description("process one event now: route it, run its handlers once, print each EventResult as a JSON line")
    .option("-t, --type <type>", "event type: manual, webhook, custom, schedule, git_push, git_pr, file_change")
    .option("--payload <json>", "event payload, a JSON object", "{}")
    .option("--handler <name>", "run this handler directly instead of routing")
    .option(
      "--source <name|path>",
      "webhook: its path; schedule / file_change: the source name (when the config has several)",
    )
    .option(
      "--id <id>",
      "event id (default: as the real source would make it: body hash for webhooks, a UUID for manual events)",
    )
    .option(
      "-c, --config <file>",
      "config file: YAML, JSON, or Markdown with front matter (default: evd.yaml in the current folder)",
    )
    .option("-p, --profile <name>", "Amplifier profile .amplifier/profiles/<name>.md")
    .option("-b, --bundle <path>", "Amplifier bundle: a bundle.md file or its folder")
    .option("-v, --verbose", "log every lifecycle event and step to stderr")
    .addHelpText(
      "after",
      [
        "",
        "Output: one JSON EventResult per line on stdout, one per handler that ran.",
        "Exit status: 0 success (or no handler matched), 1 a handler failed, 2 bad input.",
        "",
        "Examples:",
        '  evd event --type webhook --payload \'{"environment":"production","version":"1.2.3"}\' --config examples/webhook-integration.yaml',
        "  evd event --type manual --handler weekly-summary --config examples/scheduled-reports.yaml",
        '  evd event --type manual --handler demo --payload \'{"hello":"world"}\' --config examples/quickstart.yaml',
      ].join("\n"),
    )
    .action(async (opts: EventOptions) => {
      process.exitCode = await runEventCommand(opts);
    });
}

function fail(message: string): number {
  process.stderr.write(`evd event: ${message}\n`);
  return EXIT_BAD_INPUT;
}

async function runEventCommand(opts: EventOptions): Promise<number> {
  if (!opts.type) return fail("--type is required (manual, webhook, custom, schedule, git_push, git_pr, file_change)");
  const logger = jsonLogger((line) => process.stderr.write(`${line}\n`), { level: opts.verbose ? "info" : "warn" });

  let orchestrator: Orchestrator;
  try {
    orchestrator = await createOrchestrator({
      configPath: opts.config,
      profile: opts.profile,
      bundle: opts.bundle,
      cwd: process.cwd(),
      env: process.env,
      logger,
    });
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  const { config } = orchestrator;
  const now = new Date(systemClock.now());

  let event: Event;
  try {
    const payload = parsePayloadJson(opts.payload);
    event = buildCliEvent({
      type: opts.type,
      payload,
      payloadText: opts.payload,
      id: opts.id,
      source: opts.source,
      handler: opts.handler,
      config,
      now,
    });
  } catch (err) {
    if (err instanceof EventError) return fail(err.message);
    throw err;
  }

  let admitted;
  try {
    admitted = await orchestrator.route(event, opts.handler !== undefined ? { handler: opts.handler } : {});
  } catch (err) {
    if (err instanceof RouterError) return fail(err.message);
    throw err;
  }
  if (admitted.kind === AdmissionKind.SKIPPED) {
    process.stderr.write(`evd event: event ${event.id} skipped by a hook: ${admitted.reason}\n`);
    return EXIT_OK;
  }
  if (admitted.kind !== AdmissionKind.ACCEPTED) {
    process.stderr.write(
      `evd event: no handler matches this ${event.type} event (id ${event.id}); give --handler to run one directly\n`,
    );
    return EXIT_OK;
  }
  const results: EventResult[] = [];
  for (const job of admitted.jobs) {
    const result = await orchestrator.handleEvent(job.event, job.handler);
    results.push(result);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  return results.some((r) => r.status === "failed") ? EXIT_FAILED : EXIT_OK;
}
