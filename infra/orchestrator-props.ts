import type { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import type { DeployBundle } from "./contracts.ts";
import type { ScheduleRetry } from "./constructs/cron-schedules.ts";
import type { SecretMode } from "./constructs/orchestrator-secrets.ts";
import type { ApiThrottle } from "./constructs/webhook-api.ts";

/** The props of `EventDrivenOrchestrator`: the config and its bundle, then optional overrides. */
export interface EventDrivenOrchestratorProps {
  /** The orchestrator config, parsed (defaults applied). */
  readonly config: OrchestratorConfig;
  /** What goes into `evd-bundle.json` next to each handler: the config as loaded and its recipes. */
  readonly deployBundle: DeployBundle;
  /**
   * Create the Secrets Manager secrets the config references (placeholder values) or import
   * existing ones by name. References mapped to `ssm:/path` in `cloud.secrets` are always imported.
   * @default SecretMode.CREATE
   */
  readonly secretMode?: SecretMode;
  /**
   * Name prefix of a secret the config's `cloud.secrets` does not name: `<prefix><REFERENCE>`.
   * @default "<stack name>/"
   */
  readonly secretNamePrefix?: string;
  /** @default - the alarms have no action */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Throttling of the webhook API's stage. GitHub does not retry a delivery answered 429: keep the
   * limits above the peak delivery rate (the `ApiThrottled` alarm fires on the first 429).
   * @default the config's `cloud.api_rate_limit` (1000/s) and `cloud.api_burst_limit` (2000)
   */
  readonly apiThrottle?: ApiThrottle;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default 256 */
  readonly ingestMemoryMiB?: number;
  /**
   * Ingest answers webhook senders (GitHub gives up after 10 s): keep it well under; above 9 s is a
   * synth warning, above 29 s (API Gateway's wait) an error.
   * @default Duration.seconds(6)
   */
  readonly ingestTimeout?: Duration;
  /** @default 1024 */
  readonly runnerMemoryMiB?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** @default the stack name (cut to 64 characters) */
  readonly scheduleGroupName?: string;
  /** @default { retryAttempts: 5, maxEventAge: Duration.hours(1) } */
  readonly scheduleRetry?: ScheduleRetry;
  /** @default the larger of 15 minutes and twice the runner timeout */
  readonly maxQueueAge?: Duration;
  /**
   * Bundle the AWS SDK into each function (it then runs exactly the SDK versions of
   * package-lock.json, about 0.4 MB more per function). By default the functions use the SDK the
   * nodejs22.x runtime provides, as functions/build.mjs does: smaller bundles, shorter cold starts.
   * @default false
   */
  readonly bundleAwsSdk?: boolean;
  /**
   * Folder with the handler entries `ingest.ts` and `runner.ts`.
   * @default this package's `functions/`
   */
  readonly functionsDir?: string;
  /**
   * Folder with package.json, package-lock.json and node_modules, where esbuild runs.
   * @default this package's root
   */
  readonly projectRoot?: string;
  /**
   * Prefix of the stack output keys (two orchestrators in one stack need different ones).
   * @default ""
   */
  readonly outputPrefix?: string;
}
