/**
 * `evd bridge --config F [--queue-url URL | --stack NAME] [--endpoint URL] [--region R] [--spool-dir DIR]`
 *
 * Watches the config's `file_change` sources on this machine and sends each debounced change set
 * as jobs to the cloud job queue (AWS, LocalStack or an emulator), through a durable local spool:
 * nothing is lost while the queue is unreachable, and nothing is sent twice as a different job.
 * Exit status: 0 after SIGTERM/SIGINT (pending changes spooled, one send tried), 2 bad input.
 */
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Command } from "commander";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { describeStackOutputs, resourcesFromOutputs } from "../../../shared/aws/stack-outputs.ts";
import { ConfigError } from "../../../shared/config/errors.ts";
import { loadConfig } from "../../../shared/config/load.ts";
import { nodeConfigFiles } from "../../../shared/node/node-config-files.ts";
import { jsonLogger } from "../../../shared/logging/logger.ts";
import { startBridge } from "../../bridge/bridge.ts";
import { BridgeError } from "../../bridge/errors.ts";
import { SqsJobSender } from "../../../shared/aws/sqs-job-sender.ts";
import { classifySendError } from "../../bridge/sender.ts";

interface BridgeCliOptions {
  config?: string;
  profile?: string;
  bundle?: string;
  queueUrl?: string;
  stack?: string;
  endpoint?: string;
  region?: string;
  spoolDir?: string;
  retryMaxMs?: string;
  verbose?: boolean;
}

const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

function fail(message: string): number {
  process.stderr.write(`evd bridge: ${message}\n`);
  return EXIT_BAD_INPUT;
}

export function register(program: Command): void {
  program
    .command("bridge")
    .description(
      "forward local file changes (the config's file_change sources) to the cloud job queue, spooled on disk while the queue is unreachable",
    )
    .option(
      "-c, --config <file>",
      "config file: YAML, JSON, or Markdown with front matter (default: evd.yaml in the current folder)",
    )
    .option("-p, --profile <name>", "Amplifier profile .amplifier/profiles/<name>.md")
    .option("-b, --bundle <path>", "Amplifier bundle: a bundle.md file or its folder")
    .option("--queue-url <url>", "SQS job queue URL (default: $EVD_QUEUE_URL)")
    .option("--stack <name>", "read the job queue URL from this CloudFormation stack's outputs")
    .option(
      "--endpoint <url>",
      "AWS endpoint (LocalStack, an emulator); default: $AWS_ENDPOINT_URL_SQS or $AWS_ENDPOINT_URL",
    )
    .option(
      "--region <region>",
      "AWS region (default: the queue URL's, else the SDK's: $AWS_REGION, then the region of your AWS profile)",
    )
    .option("--spool-dir <dir>", "spool folder (default: <state dir>/bridge/<queue name>-<hash>)")
    .option("--retry-max-ms <ms>", "longest wait between two tries while the queue is unreachable", "30000")
    .option("-v, --verbose", "log watcher activity (JSON) to stderr")
    .addHelpText(
      "after",
      [
        "",
        "Output: one line per change set sent (files, job ids, latency from the change to the send),",
        "a `spooling:` status line while the queue cannot be reached, `unchanged:` when a save",
        "produced a job already sent. SIGTERM/SIGINT: pending changes are spooled, one send is tried, exit 0.",
        "",
        "Examples:",
        "  evd bridge --config evd.yaml --stack EvdStack",
        "  evd bridge --config evd.yaml --queue-url http://localhost:4566/000000000000/evd-jobs --endpoint http://localhost:4566",
      ].join("\n"),
    )
    .action(async (opts: BridgeCliOptions) => {
      process.exitCode = await runBridgeCommand(opts);
    });
}

/** The stack output naming the job queue (infra/event-driven-orchestrator.ts). */
const JOB_QUEUE_OUTPUT = "QueueUrl";

function regionOf(queueUrl: string): string | undefined {
  return /^https:\/\/sqs[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl)?.[1];
}

export async function runBridgeCommand(opts: BridgeCliOptions): Promise<number> {
  const env = process.env;
  if (opts.queueUrl && opts.stack) return fail("give --queue-url or --stack, not both");
  const retryMaxMs = Number(opts.retryMaxMs ?? "30000");
  if (!Number.isInteger(retryMaxMs) || retryMaxMs < 100)
    return fail(`--retry-max-ms: expected a whole number of milliseconds >= 100, got "${opts.retryMaxMs}"`);
  const endpoint = opts.endpoint ?? env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && !URL.canParse(endpoint)) return fail(`--endpoint: not a URL: "${endpoint}"`);

  let loaded;
  try {
    loaded = await loadConfig({
      configPath: opts.config,
      profile: opts.profile,
      bundle: opts.bundle,
      cwd: process.cwd(),
      env,
      files: nodeConfigFiles,
    });
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }

  let queueUrl = opts.queueUrl;
  if (!queueUrl && opts.stack) {
    // Region and credentials from the SDK's own chain (AWS_REGION, then the profile's config), as
    // the aws CLI does; only an explicit --endpoint/--region is passed on.
    const cfn = new CloudFormationClient({
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    });
    try {
      queueUrl = resourcesFromOutputs(await describeStackOutputs(cfn, opts.stack)).queueUrl;
    } catch (err) {
      const message = (err as Error).message;
      return fail(
        /region is missing/i.test(message)
          ? "no AWS region: give --region, set AWS_REGION, or set a region in your AWS profile"
          : message,
      );
    } finally {
      cfn.destroy();
    }
    if (!queueUrl) return fail(`stack "${opts.stack}" has no job queue URL output (${JOB_QUEUE_OUTPUT})`);
  }
  queueUrl ??= env.EVD_QUEUE_URL;
  if (!queueUrl) return fail("no queue: give --queue-url URL or --stack NAME (or set EVD_QUEUE_URL)");
  if (!URL.canParse(queueUrl)) return fail(`--queue-url: not a URL: "${queueUrl}"`);
  // A queue URL names its region; else the SDK's chain decides (environment, profile).
  const region = opts.region ?? regionOf(queueUrl);

  const queueName = new URL(queueUrl).pathname.split("/").filter(Boolean).at(-1) ?? "queue";
  const spoolDir = opts.spoolDir
    ? resolve(opts.spoolDir)
    : join(
        loaded.stateDir,
        "bridge",
        `${queueName.replace(/[^A-Za-z0-9_.-]/g, "_")}-${createHash("sha256").update(queueUrl).digest("hex").slice(0, 8)}`,
      );

  // One try per SDK call: the sender owns retries (backoff, order, status lines).
  const sqsClient = (r: string | undefined) =>
    new SQSClient({
      ...(r ? { region: r } : {}),
      ...(endpoint ? { endpoint } : {}),
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 15_000, throwOnRequestTimeout: true },
    });
  let client = sqsClient(region);
  try {
    await client.config.region();
  } catch {
    client.destroy();
    // An emulator or LocalStack takes any region; a real queue needs the right one.
    if (!endpoint) return fail("no AWS region: give --region, set AWS_REGION, or set a region in your AWS profile");
    client = sqsClient("us-east-1");
  }
  const jobSender = new SqsJobSender({ sqs: () => client, queueUrl });
  const logger = jsonLogger((line) => process.stderr.write(`${line}\n`), { level: opts.verbose ? "info" : "warn" });

  // Signals are taken from here on: one arriving during start-up stops the bridge once it is up.
  let signalled: NodeJS.Signals | undefined;
  let onSignalled: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    signalled = signal;
    onSignalled?.(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  let bridge;
  try {
    bridge = await startBridge({
      config: loaded.config,
      configDir: loaded.configDir,
      stateDir: loaded.stateDir,
      spoolDir,
      send: (job) => jobSender.sendOne(job),
      classify: classifySendError,
      out,
      logger,
      backoff: { maxMs: retryMaxMs },
    });
  } catch (err) {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    client.destroy();
    if (err instanceof BridgeError) return fail(err.message);
    throw err;
  }
  for (const w of bridge.watched) out(`bridge: watching ${w.root} (source ${w.source})`);
  out(`bridge: sending to ${queueUrl}; spool ${spoolDir}`);
  out("bridge: ready");

  const b = bridge;
  const stopped = new Promise<number>((resolveStopped) => {
    const stop = (signal: NodeJS.Signals) => {
      out(`bridge: ${signal} received: spooling pending changes, trying one send`);
      void b.stop().then((left) => {
        out(
          left === 0
            ? "bridge: stopped, nothing left to send"
            : `bridge: stopped, ${left} change set(s) stay spooled in ${spoolDir}; they are sent when the bridge starts again`,
        );
        resolveStopped(left);
      });
    };
    if (signalled) stop(signalled);
    else onSignalled = stop;
  });
  await stopped;
  client.destroy();
  // Do not hang on a handle a library keeps open.
  setTimeout(() => process.exit(process.exitCode ?? EXIT_OK), 2_000).unref();
  return EXIT_OK;
}
