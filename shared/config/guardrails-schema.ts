/**
 * The config keys of the guardrails for unattended runs (budgets, prices, the storm breaker, loop
 * detection) and of tracing. Part of the one schema (schema.ts mounts them); their behaviour lives
 * in shared/guardrails/ and shared/tracing/.
 */
import { z } from "zod";

/** Marker tool-github appends to every comment it writes (an HTML comment: invisible on GitHub). */
export const DEFAULT_COMMENT_MARKER = "<!-- loop-event-driven -->";

export const Budget = z
  .strictObject({
    tokens_per_day: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "Input + output tokens per UTC day; a job starts only while the day's count is below. Default: no limit",
      ),
    usd_per_day: z
      .number()
      .positive()
      .optional()
      .describe("US dollars per UTC day, priced with `prices`; a job starts only while below. Default: no limit"),
    runs_per_hour: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Job runs started per clock hour (UTC); exact under concurrent runners. Default: no limit"),
  })
  .describe(
    "Spending limits. A job that would go over one is not run: recorded `budget_exceeded` (history, event:dropped), replayable once the budget is raised",
  );

export const ModelPrice = z
  .strictObject({
    input: z.number().nonnegative().describe("USD per million input tokens"),
    output: z.number().nonnegative().describe("USD per million output tokens"),
  })
  .describe("Price of one model, in USD per million tokens");

export const Prices = z
  .record(z.string().min(1), ModelPrice)
  .describe(
    'Model prices for `usd_per_day`, by model id; `*` in a key matches any text ("claude-sonnet-4*"), the longest matching key wins, `"*"` prices every other model. Merged over the built-in table (see README)',
  );

export const StormBreaker = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Pause a source that floods"),
    max_events: z
      .number()
      .int()
      .positive()
      .default(300)
      .describe("Events a source may bring per window; the next one pauses it"),
    window_seconds: z.number().int().positive().default(60).describe("Length of the counting window"),
    cooldown_seconds: z
      .number()
      .int()
      .positive()
      .default(300)
      .describe("How long a paused source stays paused (or until `evd daemon resume SOURCE`)"),
  })
  .describe("Storm breaker: pauses a source producing more than `max_events` events per window");

export const SelfComments = z
  .strictObject({
    skip: z.boolean().default(true).describe("Skip GitHub comment events this project caused"),
    marker: z
      .string()
      .min(1)
      .default(DEFAULT_COMMENT_MARKER)
      .describe("Text tool-github appends to every comment it writes; a comment event whose body holds it is skipped"),
    logins: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "GitHub logins whose comments are this project's own (the tool-github token's user, e.g. `my-app[bot]`)",
      ),
  })
  .describe("Recognising GitHub events caused by this project's own comments");

export const Guardrails = z
  .strictObject({
    storm: StormBreaker.default(StormBreaker.parse({})),
    max_causation_depth: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe(
        "Longest chain of events each caused by a job of the previous (a file written, an HTTP call, a comment); deeper events are skipped",
      ),
    ignore_own_writes: z
      .boolean()
      .default(true)
      .describe("File watchers ignore the files the handlers wrote with tool-filesystem"),
    self_comments: SelfComments.default(SelfComments.parse({})),
  })
  .describe("Guards for unattended runs: storm breaker and loop detection");

export const Tracing = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe("One trace per event: spans per job and step (kept by the daemon for `evd daemon trace`)"),
    otlp_endpoint: z
      .url()
      .optional()
      .describe(
        "OTLP/HTTP traces URL (e.g. http://127.0.0.1:4318/v1/traces); also read from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. Headers: OTEL_EXPORTER_OTLP_HEADERS",
      ),
    service_name: z.string().min(1).default("loop-event-driven").describe("The `service.name` of the spans"),
    xray: z.boolean().default(false).describe("Cloud: turn on Lambda active tracing (AWS X-Ray) for both functions"),
  })
  .describe("OpenTelemetry tracing");

export type BudgetConfig = z.output<typeof Budget>;
export type ModelPriceConfig = z.output<typeof ModelPrice>;
export type GuardrailsConfig = z.output<typeof Guardrails>;
export type StormBreakerConfig = z.output<typeof StormBreaker>;
export type TracingConfig = z.output<typeof Tracing>;
