/**
 * The one schema of the orchestrator configuration. Keys follow the spec so its examples load as
 * written; what the spec leaves open has a default here, in one place.
 */
import { z } from "zod";
import { TOOL_ACTIONS } from "../tools/catalog.ts";

export const QueueOverflow = { DROP: "drop", QUEUE: "queue", ERROR: "error" } as const;
export const FILE_CHANGE_KINDS = ["create", "modify", "delete"] as const;

const handlerRef = z.string().min(1).describe("Name of a handler under `handlers`");
const stringList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const base = {
  handler: handlerRef,
  name: z.string().min(1).optional().describe("Source name (defaults to `<type>-<index>`)"),
  enabled: z.boolean().default(true),
};

const githubEndpoint = {
  path: z.string().startsWith("/").default("/github").describe("HTTP path GitHub posts to"),
  secret: z.string().default("${GITHUB_WEBHOOK_SECRET}").describe("GitHub webhook secret"),
  repositories: z.array(z.string()).optional().describe("Only these `owner/name` repositories"),
};

export const FileChangeSource = z.strictObject({
  type: z.literal("file_change"),
  ...base,
  path: z.string().default("."),
  pattern: stringList.default("**/*"),
  ignore: z.array(z.string()).default([]),
  events: z.array(z.enum(FILE_CHANGE_KINDS)).min(1).default([...FILE_CHANGE_KINDS]),
  debounce_ms: z.number().int().nonnegative().optional(),
  max_content_bytes: z.number().int().nonnegative().default(65536).describe("Inline text files up to this size"),
});

export const GitPushSource = z.strictObject({
  type: z.literal("git_push"),
  ...base,
  ...githubEndpoint,
  branches: z.array(z.string().min(1)).optional().describe("GitHub Actions-style branch globs"),
  tags: z.array(z.string().min(1)).optional(),
});

export const GitPrSource = z.strictObject({
  type: z.literal("git_pr"),
  ...base,
  ...githubEndpoint,
  events: z.array(z.string().min(1)).min(1).default(["opened", "synchronize", "reopened"]).describe("pull_request actions"),
  branches: z.array(z.string().min(1)).optional().describe("Base branch globs"),
});

export const SignatureScheme = z.enum(["hmac-sha256", "standard-webhooks", "github", "none"]);

export const WebhookSource = z.strictObject({
  type: z.literal("webhook"),
  ...base,
  path: z.string().startsWith("/"),
  secret: z.string().optional(),
  signature: SignatureScheme.optional().describe("Defaults to hmac-sha256 when a secret is set; `none` must be explicit"),
  max_body_bytes: z.number().int().positive().optional(),
});

export const ScheduleSource = z.strictObject({
  type: z.literal("schedule"),
  ...base,
  cron: z.string().min(1),
  timezone: z.string().default("UTC"),
  payload: z.record(z.string(), z.unknown()).default({}),
});

export const ManualSource = z.strictObject({
  type: z.literal("manual"),
  ...base,
});

export const CustomSource = z.strictObject({
  type: z.literal("custom"),
  ...base,
  github_events: z.array(z.string().min(1)).optional().describe("GitHub event names (issues, ping, ...)"),
  path: z.string().startsWith("/").optional(),
  secret: z.string().optional(),
});

export const Source = z.discriminatedUnion("type", [
  FileChangeSource, GitPushSource, GitPrSource, WebhookSource, ScheduleSource, ManualSource, CustomSource,
]);

export const RetryPolicy = z.strictObject({
  max_attempts: z.number().int().min(1).max(100).default(3),
  backoff: z.enum(["exponential", "fixed"]).default("exponential"),
  initial_delay_ms: z.number().int().nonnegative().default(1000),
  max_delay_ms: z.number().int().nonnegative().default(60000),
});

const stepCommon = {
  id: z.string().min(1).optional(),
  as: z.string().regex(/^[A-Za-z_][\w-]*$/).optional().describe("Name of this step's output"),
  output: z.string().regex(/^[A-Za-z_][\w-]*$/).optional().describe("Amplifier recipes' name for `as`"),
  condition: z.string().optional(),
  timeout: z.number().int().positive().optional().describe("Seconds"),
  retry: z.strictObject({ max_attempts: z.number().int().min(1).default(1), backoff: z.enum(["exponential", "fixed"]).default("exponential") }).optional(),
  on_error: z.enum(["fail", "continue", "skip_remaining"]).default("fail"),
  default: z.unknown().optional().describe("Value for template paths that are missing"),
};

export const PromptStep = z.strictObject({
  prompt: z.string().min(1),
  ...stepCommon,
  provider: z.string().optional(),
  model: z.string().optional(),
  system: z.string().optional(),
  max_tokens: z.number().int().positive().optional(),
});

export const ToolStep = z
  .looseObject({
    tool: z.string().min(1),
    action: z.string().min(1),
    ...stepCommon,
  })
  .superRefine((step, ctx) => {
    const actions = (TOOL_ACTIONS as Record<string, readonly string[]>)[step.tool];
    if (!actions) {
      ctx.addIssue({ code: "custom", path: ["tool"], message: `unknown tool "${step.tool}"; known tools: ${Object.keys(TOOL_ACTIONS).join(", ")}` });
    } else if (!actions.includes(step.action)) {
      ctx.addIssue({ code: "custom", path: ["action"], message: `tool "${step.tool}" has no action "${step.action}"; its actions: ${actions.join(", ")}` });
    }
  });

export const RecipeStep = z.strictObject({
  recipe: z.string().min(1),
  ...stepCommon,
  context: z.record(z.string(), z.unknown()).optional(),
});

export const Step = z.union([PromptStep, RecipeStep, ToolStep]);

export const Concurrency = z.strictObject({
  key: z.string().min(1).describe("Template, e.g. {payload.number}"),
  limit: z.literal(1).default(1),
  on_new: z.enum(["queue", "supersede"]).default("queue"),
});

export const Handler = z
  .strictObject({
    steps: z.array(Step).min(1).optional(),
    recipe: z.string().min(1).optional(),
    prompt: z.string().min(1).optional().describe("Shorthand for a one-prompt pipeline"),
    description: z.string().optional(),
    config: z.record(z.string(), z.unknown()).default({}),
    provider: z.string().optional(),
    timeout_ms: z.number().int().positive().default(300_000),
    retry: RetryPolicy.optional(),
    concurrency: Concurrency.optional(),
  })
  .superRefine((h, ctx) => {
    const given = (["steps", "recipe", "prompt"] as const).filter((k) => h[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: "custom", path: [], message: given.length === 0 ? "a handler needs one of `steps`, `recipe` or `prompt`" : `a handler takes only one of \`steps\`, \`recipe\`, \`prompt\`; found ${given.join(", ")}` });
    }
  });

export const ProviderConfig = z.strictObject({
  kind: z.enum(["echo", "anthropic", "openai", "bedrock"]),
  model: z.string().optional(),
  base_url: z.string().url().optional(),
  api_key: z.string().optional().describe("Use ${VAR}; in the cloud a secret name"),
  region: z.string().optional(),
  max_tokens: z.number().int().positive().default(1024),
});

export const ToolsConfig = z.strictObject({
  "tool-filesystem": z.strictObject({ root: z.string().optional() }).optional(),
  "tool-git-advanced": z.strictObject({ repo: z.string().optional() }).optional(),
  "tool-http": z.strictObject({ allow_hosts: z.array(z.string()).default([]), timeout_ms: z.number().int().positive().default(10000) }).optional(),
  "tool-slack": z.strictObject({ webhook_url: z.string().optional() }).optional(),
  "tool-github": z.strictObject({ base_url: z.string().url().default("https://api.github.com"), token: z.string().optional() }).optional(),
});

export const HookModule = z.union([z.string().min(1), z.strictObject({ module: z.string().min(1), config: z.record(z.string(), z.unknown()).default({}) })]);

export const CloudConfig = z.strictObject({
  stack_name: z.string().default("LoopEventDriven"),
  region: z.string().optional(),
  runner_timeout_seconds: z.number().int().min(10).max(900).default(300),
  batch_size: z.number().int().min(1).max(10).default(5),
  secrets: z.record(z.string(), z.string()).default({}).describe("Secret reference -> Secrets Manager name or ssm:/path"),
});

export const OrchestratorConfig = z
  .strictObject({
    mode: z.enum(["daemon", "one-shot"]).default("daemon"),
    sources: z.array(Source).default([]),
    handlers: z.record(z.string().min(1), Handler).default({}),
    debounce_ms: z.number().int().nonnegative().default(1000),
    max_concurrent_handlers: z.number().int().min(1).default(3),
    queue_overflow: z.enum(["drop", "queue", "error"]).default("queue"),
    queue_capacity: z.number().int().min(1).default(1000),
    webhook_port: z.number().int().min(0).max(65535).default(8080),
    webhook_host: z.string().default("127.0.0.1"),
    max_body_bytes: z.number().int().positive().default(10 * 1024 * 1024),
    state_file: z.string().default(".amplifier/event-state.json"),
    persist_last_run: z.boolean().default(true),
    retry: RetryPolicy.default(RetryPolicy.parse({})),
    history_limit: z.number().int().min(1).default(1000),
    event_log_retention_days: z.number().int().min(1).default(30),
    replay_window_seconds: z.number().int().positive().default(300).describe("Standard Webhooks timestamp tolerance"),
    default_provider: z.string().default("echo"),
    providers: z.record(z.string(), ProviderConfig).default({}),
    tools: ToolsConfig.default({}),
    hooks: z.array(HookModule).default([]),
    cloud: CloudConfig.optional(),
  })
  .superRefine((cfg, ctx) => {
    cfg.sources.forEach((s, i) => {
      if (!(s.handler in cfg.handlers)) {
        ctx.addIssue({ code: "custom", path: ["sources", i, "handler"], message: `no handler named "${s.handler}"; handlers: ${Object.keys(cfg.handlers).join(", ") || "(none)"}` });
      }
    });
  });

export type OrchestratorConfig = z.output<typeof OrchestratorConfig>;
export type OrchestratorConfigInput = z.input<typeof OrchestratorConfig>;
export type SourceConfig = z.output<typeof Source>;
export type HandlerConfig = z.output<typeof Handler>;
export type StepConfig = z.output<typeof Step>;
export type PromptStepConfig = z.output<typeof PromptStep>;
export type ToolStepConfig = z.output<typeof ToolStep>;
export type RecipeStepConfig = z.output<typeof RecipeStep>;
export type RetryPolicyConfig = z.output<typeof RetryPolicy>;
export type ProviderConfig = z.output<typeof ProviderConfig>;
