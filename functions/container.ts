/**
 * What both Lambda functions build once per container: the environment, the deploy bundle, the
 * clock, the logger, the AWS adapters and a hook bus that only logs (hook modules are not
 * loaded in Lambda).
 */
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import { createHookBus } from "../shared/hooks/hook-bus.ts";
import type { HookBus } from "../shared/hooks/lifecycle.ts";
import type { Logger } from "../shared/logging/logger.ts";
import { systemClock, type Clock } from "../shared/ports/clock.ts";
import { DEFAULT_SDK_TIMEOUTS, type SdkTimeouts } from "../shared/aws/aws-connection.ts";
import { cloudAdapters, type CloudConnections } from "./cloud-adapters.ts";
import { powertoolsLogger } from "./powertools-logger.ts";
import { readCloudEnv, type CloudEnv } from "./cloud-env.ts";
import { readDeployBundle, type LoadedBundle } from "./deploy-bundle.ts";

export interface ContainerOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly connections?: CloudConnections;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Use this bundle instead of reading EVD_BUNDLE_PATH. */
  readonly bundle?: LoadedBundle;
}

export interface Container {
  readonly env: CloudEnv;
  readonly bundle: LoadedBundle;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly adapters: ReturnType<typeof cloudAdapters>;
  readonly hooks: HookBus;
}

export async function buildContainer(
  opts: ContainerOptions,
  serviceName: string,
  handlerDir: string,
  /** How long the function's AWS calls may take (the ingest's are short: its caller waits). */
  timeouts: SdkTimeouts = DEFAULT_SDK_TIMEOUTS,
): Promise<Container> {
  const env = readCloudEnv(opts.env, { handlerDir });
  const bundle = opts.bundle ?? (await readDeployBundle(env.bundlePath));
  const clock = opts.clock ?? systemClock;
  const logger =
    opts.logger ??
    powertoolsLogger(new PowertoolsLogger({ serviceName: opts.env.POWERTOOLS_SERVICE_NAME ?? serviceName }));
  const adapters = cloudAdapters(env, bundle.config, clock, opts.connections, timeouts);
  if (bundle.config.hooks.length)
    logger.log("warn", "hook modules are not loaded in Lambda; lifecycle events are logged only", {
      hooks: bundle.config.hooks.length,
    });
  return { env, bundle, clock, logger, adapters, hooks: createHookBus([], logger) };
}
