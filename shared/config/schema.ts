/**
 * The one schema of the orchestrator configuration. Keys follow the spec so its examples load as
 * written; what the spec leaves open has a default here, in one place. The same schema emits the
 * JSON Schema for editors (json-schema.ts), so every key carries a `.describe()` text.
 *
 * Checks that span several keys (a source's handler exists, cron syntax, timezones, duplicate
 * names, colliding paths, provider references) live in parse.ts: zod skips object refinements as
 * soon as any nested key is wrong, and a bad config must list every problem at once.
 */
import { z } from "zod";
import { FileChangeKind } from "../events/file-change-event.ts";
import { Budget, Guardrails, Prices, Tracing } from "./guardrails-schema.ts";
import { Step } from "./step-schema.ts";

export * from "./step-schema.ts";

export const Mode = { DAEMON: "daemon", ONE_SHOT: "one-shot" } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];
export const QueueOverflow = { DROP: "drop", QUEUE: "queue", ERROR: "error" } as const;
export type QueueOverflow = (typeof QueueOverflow)[keyof typeof QueueOverflow];
/** Backoff of job retries (steps also have `linear`: step-schema.ts). */
export const JobBackoff = { EXPONENTIAL: "exponential", FIXED: "fixed" } as const;
export const OnNew = { QUEUE: "queue", SUPERSEDE: "supersede" } as const;
export const ProviderKind = { ECHO: "echo", ANTHROPIC: "anthropic", OPENAI: "openai", BEDROCK: "bedrock" } as const;
export type ProviderKind = (typeof ProviderKind)[keyof typeof ProviderKind];

const values = <T extends Record<string, string>>(o: T) => Object.values(o) as [T[keyof T], ...T[keyof T][]];

/** Names that end up in event ids, schedule names and log lines: keep them plain. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const name = (what: string) =>
  z
    .string()
    .regex(
      NAME_PATTERN,
      `${what} names use letters, digits, ".", "_" and "-" (at most 64, starting with a letter or digit)`,
    );

const handlerRef = z
  .string()
  .min(1)
  .describe("Name of the handler (a key of `handlers`) that runs for this source's events");
const stringList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const httpPath = z.string().startsWith("/", 'an HTTP path starts with "/"');

const base = {
  handler: handlerRef,
  name: name("source")
    .optional()
    .describe(
      "Source name, used in event ids, schedule names and logs. Default: `<handler>-<type>-<index>` (see source-name.ts)",
    ),
  enabled: z.boolean().default(true).describe("Set to false to keep the source in the file but not start it"),
};

const githubEndpoint = {
  path: httpPath
    .default("/github")
    .describe("HTTP path GitHub posts its webhook deliveries to; GitHub sources may share it"),
  secret: z
    .string()
    .default("${GITHUB_WEBHOOK_SECRET}")
    .describe(
      "GitHub webhook secret (X-Hub-Signature-256). Write `${NAME}` to resolve it from the environment locally or Secrets Manager/SSM in the cloud",
    ),
  repositories: z.array(z.string().min(1)).optional().describe("Only deliveries from these `owner/name` repositories"),
};

export const FileChangeSource = z
  .strictObject({
    type: z.literal("file_change").describe("Local file changes (daemon or watcher bridge)"),
    ...base,
    path: z.string().min(1).default(".").describe("Folder to watch, relative to the config file's folder"),
    pattern: stringList.default("**/*").describe("Glob(s) of files to report, relative to `path`"),
    ignore: z.array(z.string().min(1)).default([]).describe("Globs (relative to `path`) of files not to report"),
    events: z
      .array(z.enum(FileChangeKind))
      .min(1)
      .default(Object.values(FileChangeKind))
      .describe("Kinds of change to report"),
    debounce_ms: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("Wait for rapid changes to settle; defaults to the top-level `debounce_ms`"),
    max_content_bytes: z
      .number()
      .int()
      .nonnegative()
      .default(65536)
      .describe("Text files up to this size are inlined in the event payload"),
  })
  .describe("Local file changes");

export const GitPushSource = z
  .strictObject({
    type: z.literal("git_push").describe("GitHub `push` deliveries"),
    ...base,
    ...githubEndpoint,
    branches: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        "Branch globs with GitHub Actions semantics (`*` stays within a path segment, `**` crosses `/`); default: every branch",
      ),
    tags: z.array(z.string().min(1)).min(1).optional().describe("Tag globs; tag pushes match only when this is set"),
  })
  .describe("GitHub push");

export const GitPrSource = z
  .strictObject({
    type: z.literal("git_pr").describe("GitHub `pull_request` deliveries"),
    ...base,
    ...githubEndpoint,
    events: z
      .array(z.string().min(1))
      .min(1)
      .default(["opened", "synchronize", "reopened"])
      .describe("pull_request actions to react to (opened, synchronize, reopened, closed, ...)"),
    branches: z.array(z.string().min(1)).min(1).optional().describe("Base branch globs"),
  })
  .describe("GitHub pull request");

export const SignatureScheme = z
  .enum(["hmac-sha256", "standard-webhooks", "github", "none"])
  .describe(
    "How requests are authenticated: `hmac-sha256` (X-Signature: sha256=<hex>), `standard-webhooks` (webhook-id/-timestamp/-signature), `github` (X-Hub-Signature-256), or `none`",
  );

export const WebhookSource = z
  .strictObject({
    type: z.literal("webhook").describe("Signed HTTP webhooks from any service"),
    ...base,
    path: httpPath.describe("HTTP path of this webhook, e.g. /hooks/deploy; unique across sources"),
    secret: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Signing secret. Write `${NAME}` to keep it a reference resolved at use (env locally, Secrets Manager/SSM in the cloud)",
      ),
    signature: SignatureScheme.optional().describe(
      "Defaults to hmac-sha256 when a secret is set; without a secret, `signature: none` must be written explicitly",
    ),
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Largest accepted body; defaults to the top-level `max_body_bytes`"),
  })
  .describe("Generic signed webhook");

export const ScheduleSource = z
  .strictObject({
    type: z.literal("schedule").describe("Cron schedule"),
    ...base,
    cron: z
      .string()
      .min(1)
      .describe('5-field Unix cron: minute hour day-of-month month day-of-week (e.g. "0 9 * * MON")'),
    timezone: z.string().min(1).default("UTC").describe("IANA timezone the cron is read in, e.g. Europe/Paris"),
    payload: z.record(z.string(), z.unknown()).default({}).describe("Extra payload given to the handler"),
  })
  .describe("Cron schedule");

export const ManualSource = z
  .strictObject({
    type: z.literal("manual").describe("Triggered by hand (`evd daemon trigger`, `evd event`)"),
    ...base,
  })
  .describe("Manual trigger");

export const CustomSource = z
  .strictObject({
    type: z.literal("custom").describe("Other GitHub events, or events sent by your own tools"),
    ...base,
    github_events: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("GitHub event names (issues, ping, release, ...) routed to this source"),
    path: httpPath.optional().describe("HTTP path; for `github_events` defaults to /github"),
    secret: z.string().min(1).optional().describe("Signing secret (`${NAME}` stays a reference)"),
  })
  .describe("Custom events");

export const SOURCE_TYPES = ["file_change", "git_push", "git_pr", "webhook", "schedule", "manual", "custom"] as const;

export const Source = z
  .discriminatedUnion("type", [
    FileChangeSource,
    GitPushSource,
    GitPrSource,
    WebhookSource,
    ScheduleSource,
    ManualSource,
    CustomSource,
  ])
  .describe("An event source; `type` selects its keys");

export const RetryPolicy = z
  .strictObject({
    max_attempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe("Runs of a job before it is dead-lettered (1 = no retry)"),
    backoff: z.enum(values(JobBackoff)).default("exponential").describe("Delay growth between attempts"),
    initial_delay_ms: z.number().int().nonnegative().default(1000).describe("Delay before the second attempt"),
    max_delay_ms: z.number().int().nonnegative().default(60000).describe("Upper bound of any delay"),
  })
  .describe("Retry policy of failed jobs");

export const Concurrency = z
  .strictObject({
    key: z
      .string()
      .min(1)
      .describe('Template that names the group, e.g. "{payload.number}": one run per key at a time'),
    limit: z.literal(1).default(1).describe("Runs per key at a time (1)"),
    on_new: z
      .enum(values(OnNew))
      .default("queue")
      .describe(
        "`queue`: a newer event waits; `supersede`: it replaces the pending one (the review runs once, on the latest commit)",
      ),
  })
  .describe("Per-key flow control of this handler");

export const Handler = z
  .strictObject({
    steps: z.array(Step).min(1).optional().describe("Steps run in order; each output feeds later steps"),
    recipe: z
      .string()
      .min(1)
      .optional()
      .describe("Recipe file (Amplifier's recipe format) relative to the config folder; .yaml may be omitted"),
    prompt: z.string().min(1).optional().describe("Shorthand for a one-prompt pipeline"),
    description: z.string().optional().describe("What this handler does (shown by `evd validate`)"),
    config: z.record(z.string(), z.unknown()).default({}).describe("Values readable by templates as `{config.NAME}`"),
    context: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "Recipe context given to the handler's `recipe` (over the recipe's `context:` defaults, like `config` values of the same names)",
      ),
    provider: z.string().min(1).optional().describe("Provider for this handler's prompts; default: `default_provider`"),
    timeout_ms: z.number().int().positive().default(300_000).describe("A run longer than this fails (and may retry)"),
    retry: RetryPolicy.optional().describe("Overrides the top-level `retry` for this handler"),
    concurrency: Concurrency.optional(),
    budget: Budget.optional().describe("This handler's spending limits (the top-level `budget` applies too)"),
  })
  .superRefine((h, ctx) => {
    const given = (["steps", "recipe", "prompt"] as const).filter((k) => h[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message:
          given.length === 0
            ? "a handler needs one of `steps`, `recipe` or `prompt`; found none"
            : `a handler takes only one of \`steps\`, \`recipe\`, \`prompt\`; found ${given.join(", ")}`,
      });
    }
  })
  .describe("A named pipeline: `steps`, a `recipe`, or a single `prompt`");

export const ProviderConfig = z
  .strictObject({
    kind: z.enum(values(ProviderKind)).describe("Provider implementation"),
    model: z.string().min(1).optional().describe("Model id"),
    base_url: z.url().optional().describe("API base URL (OpenAI-compatible servers, proxies, tests)"),
    api_key: z
      .string()
      .min(1)
      .optional()
      .describe("API key: write `${NAME}` (a reference, resolved at use); Bedrock uses IAM instead"),
    region: z.string().min(1).optional().describe("AWS region (Bedrock)"),
    max_tokens: z.number().int().positive().default(1024).describe("Default largest answer"),
    models: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        "Models this provider offers: a step's model glob (claude-sonnet-*) resolves to the last match in sort order",
      ),
  })
  .describe("A configured model provider");

/** Amplifier agent names: `bundle:agent` or a plain name. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][\w.:-]{0,127}$/;

export const AgentConfig = z
  .strictObject({
    description: z.string().optional().describe("What the agent is for"),
    system: z.string().optional().describe("System prompt sent with every prompt of this agent"),
    provider: z.string().min(1).optional().describe("Provider of this agent's prompts (a step's `provider` wins)"),
    model: z.string().min(1).optional().describe("Model or model glob of this agent (a step's `model` wins)"),
    max_tokens: z.number().int().positive().optional().describe("Largest answer"),
  })
  .describe("What an Amplifier agent name means here: a system prompt, a provider and a model");

export const ToolsConfig = z
  .strictObject({
    "tool-filesystem": z
      .strictObject({
        root: z
          .string()
          .min(1)
          .optional()
          .describe("Folder the tool is confined to; default: the config file's folder"),
      })
      .optional(),
    "tool-git-advanced": z
      .strictObject({
        repo: z.string().min(1).optional().describe("Git repository folder; default: the config file's folder"),
      })
      .optional(),
    "tool-http": z
      .strictObject({
        allow_hosts: z.array(z.string().min(1)).default([]).describe("Hosts requests may go to; empty = none"),
        timeout_ms: z.number().int().positive().default(10000).describe("Request timeout"),
      })
      .optional(),
    "tool-slack": z
      .strictObject({
        webhook_url: z
          .string()
          .min(1)
          .optional()
          .describe("Slack incoming-webhook URL; write `${NAME}` (it is a secret)"),
      })
      .optional(),
    "tool-github": z
      .strictObject({
        base_url: z.url().default("https://api.github.com").describe("GitHub API base URL (GitHub Enterprise, tests)"),
        token: z.string().min(1).optional().describe("GitHub token: write `${NAME}` (a reference, resolved at use)"),
      })
      .optional(),
  })
  .describe("Settings of the built-in tools");

export const HookModule = z
  .union([
    z.string().min(1),
    z.strictObject({
      module: z.string().min(1).describe("Module path relative to the config folder"),
      config: z.record(z.string(), z.unknown()).default({}).describe("Given to the hook factory"),
    }),
  ])
  .describe("A hook module (path relative to the config folder) exporting lifecycle hooks");

export const CloudConfig = z
  .strictObject({
    stack_name: z.string().min(1).default("LoopEventDriven").describe("CloudFormation stack name"),
    region: z.string().min(1).optional().describe("AWS region; default: the CDK environment's"),
    runner_timeout_seconds: z
      .number()
      .int()
      .min(10)
      .max(900)
      .default(900)
      .describe("Runner Lambda timeout; each handler's timeout_ms plus 30 s (to record the outcome) must fit in it"),
    batch_size: z.number().int().min(1).max(10).default(5).describe("SQS records per runner invocation"),
    secrets: z
      .record(z.string(), z.string().min(1))
      .default({})
      .describe(
        "Secret reference name -> a secret you manage: an existing Secrets Manager name/ARN, or ssm:/param/path (references not listed get a secret the stack creates)",
      ),
    api_rate_limit: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1000)
      .describe(
        "Webhook API steady-state limit, requests/s (GitHub does not retry a 429: set it above your peak delivery rate)",
      ),
    api_burst_limit: z.number().int().min(1).max(5_000).default(2000).describe("Webhook API burst limit, requests"),
  })
  .describe("Settings used by `cdk deploy`");

export const OrchestratorConfig = z
  .strictObject({
    $schema: z.string().optional().describe("Path or URL of this JSON Schema (for editors)"),
    mode: z
      .enum(values(Mode))
      .default("daemon")
      .describe("`daemon` runs until stopped; `one-shot` processes one event and exits"),
    sources: z.array(Source).default([]).describe("Where events come from"),
    handlers: z.record(name("handler"), Handler).default({}).describe("Named pipelines, referenced by sources"),
    debounce_ms: z.number().int().nonnegative().default(1000).describe("Default settle time of file_change sources"),
    max_concurrent_handlers: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe("Jobs running at once (in AWS: the runner's maximum concurrency, at least 2)"),
    queue_overflow: z
      .enum(values(QueueOverflow))
      .default("queue")
      .describe(
        "When the queue is full: `queue` keeps accepting (durable), `drop` records event:dropped, `error` rejects at ingest (429/503)",
      ),
    queue_capacity: z.number().int().min(1).default(1000).describe("Pending jobs before `queue_overflow` applies"),
    webhook_port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8080)
      .describe("Port of the local webhook server (0 = any free port)"),
    webhook_host: z
      .string()
      .min(1)
      .default("127.0.0.1")
      .describe("Address the local webhook server binds (0.0.0.0 to accept from the network)"),
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024)
      .describe("Largest accepted request body"),
    state_file: z
      .string()
      .min(1)
      .default(".amplifier/event-state.json")
      .describe("State file, relative to the config folder; the local store lives in its folder"),
    persist_last_run: z.boolean().default(true).describe("Remember last run times of schedules across restarts"),
    retry: RetryPolicy.default(RetryPolicy.parse({})),
    history_limit: z.number().int().min(1).default(1000).describe("Results kept per handler in the local history"),
    event_log_retention_days: z.number().int().min(1).default(30).describe("Days received events are kept for replay"),
    replay_window_seconds: z.number().int().positive().default(300).describe("Standard Webhooks timestamp tolerance"),
    default_provider: z
      .string()
      .min(1)
      .default("echo")
      .describe("Provider for prompts that name none: a key of `providers` or a kind (echo works offline)"),
    providers: z.record(name("provider"), ProviderConfig).default({}).describe("Named model providers"),
    agents: z
      .record(
        z.string().regex(AGENT_NAME_PATTERN, "agent names use letters, digits, `.`, `_`, `-` and `:` (bundle:agent)"),
        AgentConfig,
      )
      .default({})
      .describe(
        "Amplifier agents used by recipe steps (`agent:`); an agent not listed runs with no system prompt on the step's or handler's provider",
      ),
    tools: ToolsConfig.default({}),
    hooks: z.array(HookModule).default([]).describe("Hook modules loaded in order"),
    cloud: CloudConfig.optional(),
    budget: Budget.optional().describe("Limits over all handlers together (each handler may set its own too)"),
    prices: Prices.default({}),
    guardrails: Guardrails.default(Guardrails.parse({})),
    tracing: Tracing.default(Tracing.parse({})),
  })
  .describe("loop-event-driven orchestrator configuration");

export type OrchestratorConfig = z.output<typeof OrchestratorConfig>;
export type OrchestratorConfigInput = z.input<typeof OrchestratorConfig>;
export type SourceConfig = z.output<typeof Source>;
export type SourceType = SourceConfig["type"];
export type HandlerConfig = z.output<typeof Handler>;
export type RetryPolicyConfig = z.output<typeof RetryPolicy>;
export type ProviderConfig = z.output<typeof ProviderConfig>;
export type AgentConfig = z.output<typeof AgentConfig>;
export type ConcurrencyConfig = z.output<typeof Concurrency>;
