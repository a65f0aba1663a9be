/**
 * The schema of a recipe file: Amplifier's recipe format (microsoft/amplifier-bundle-recipes,
 * docs/RECIPE_SCHEMA.md), flat (`steps`) or staged (`stages` with approval gates), with this
 * project's tool steps allowed among the steps. Metadata keys are accepted; keys that change
 * behaviour and cannot be honoured are refused by name (shared/config/step-refusals.ts).
 */
import { z } from "zod";
import { RecursionLimits, Step } from "../config/step-schema.ts";
import { GateWhen } from "../events/parked-run.ts";

export const ApprovalDefault = { APPROVE: "approve", DENY: "deny" } as const;

export const Approval = z
  .strictObject({
    required: z.boolean().default(false).describe("Pause at this gate until someone approves or denies"),
    prompt: z.string().optional().describe("What the person is asked (templates allowed)"),
    timeout: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe("Seconds to wait, then apply `default` (0: wait until answered)"),
    default: z
      .enum([ApprovalDefault.APPROVE, ApprovalDefault.DENY])
      .default(ApprovalDefault.DENY)
      .describe("What a timeout decides"),
    when: z
      .enum([GateWhen.BEFORE_STAGE, GateWhen.AFTER_STAGE])
      .default(GateWhen.AFTER_STAGE)
      .describe("Ask before the stage runs, or after it ran (Amplifier's default)"),
  })
  .describe("An approval gate");

export const Stage = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w -]+$/, "stage names use letters, digits, spaces, _ and -")
      .describe("Stage name, shown at its gate"),
    description: z.string().optional().describe("What the stage is for"),
    steps: z.array(Step).min(1).describe("Steps of the stage, run in order"),
    approval: Approval.optional(),
  })
  .describe("A stage of a staged recipe");

const Dependency = z
  .looseObject({
    source: z.string().min(1).describe("Where Amplifier fetches the bundle from (not fetched here)"),
    kind: z.string().min(1).optional(),
    required_agents: z
      .array(z.string().min(1))
      .default([])
      .describe("Agents the recipe needs: each must be described under `agents:` in the config"),
  })
  .describe("A bundle the recipe depends on");

export const RecipeFile = z
  .strictObject({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    version: z.union([z.string(), z.number()]).optional(),
    author: z.string().optional(),
    created: z.union([z.string(), z.date()]).optional(),
    updated: z.union([z.string(), z.date()]).optional(),
    tags: z.array(z.string()).optional(),
    schema_version: z.union([z.literal(1), z.literal(2)]).optional(),
    dependencies: z.array(Dependency).optional(),
    context: z.record(z.string(), z.unknown()).default({}).describe("Context defaults, readable as {{name}}"),
    recursion: RecursionLimits.partial().optional(),
    steps: z.array(Step).min(1).optional(),
    stages: z.array(Stage).min(1).optional(),
  })
  .describe("A recipe");

export type ApprovalConfig = z.output<typeof Approval>;
export type StageConfig = z.output<typeof Stage>;
export type RecipeFileConfig = z.output<typeof RecipeFile>;
