/**
 * The Lambda environment (names only, never secret values), read once at the edge:
 * EVD_TABLE_NAME, EVD_QUEUE_URL, EVD_DLQ_URL, EVD_BUNDLE_PATH, EVD_SECRETS, EVD_LEASE_MS,
 * EVD_MAX_RECEIVE_COUNT (the queue's redrive maxReceiveCount, for the dead-lettered metric),
 * EVD_PAYLOAD_BUCKET (the claim-check bucket of events too large for an item or a message).
 */
import { resolve } from "node:path";
import { parseSecretMap } from "../shared/aws/secrets.ts";

export interface CloudEnv {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly dlqUrl?: string;
  readonly bundlePath: string;
  readonly secrets: Readonly<Record<string, string>>;
  /** @default 900000 (15 min, the longest Lambda timeout) */
  readonly leaseMs: number;
  readonly maxReceiveCount?: number;
  readonly region?: string;
  readonly payloadBucket?: string;
}

export class CloudEnvError extends Error {
  override readonly name = "CloudEnvError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const DEFAULT_BUNDLE_FILE = "evd-bundle.json";

function positiveInt(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new CloudEnvError(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function readCloudEnv(
  env: Readonly<Record<string, string | undefined>>,
  opts: { needs?: readonly ("table" | "queue")[]; handlerDir?: string } = {},
): CloudEnv {
  const needs = opts.needs ?? ["table", "queue"];
  const missing = [
    needs.includes("table") && !env.EVD_TABLE_NAME && "EVD_TABLE_NAME",
    needs.includes("queue") && !env.EVD_QUEUE_URL && "EVD_QUEUE_URL",
  ].filter(Boolean);
  if (missing.length) throw new CloudEnvError(`missing Lambda environment variable(s): ${missing.join(", ")}`);
  const maxReceiveCount = positiveInt(env, "EVD_MAX_RECEIVE_COUNT");
  return {
    tableName: env.EVD_TABLE_NAME ?? "",
    queueUrl: env.EVD_QUEUE_URL ?? "",
    ...(env.EVD_DLQ_URL ? { dlqUrl: env.EVD_DLQ_URL } : {}),
    bundlePath: resolve(opts.handlerDir ?? process.cwd(), env.EVD_BUNDLE_PATH || `./${DEFAULT_BUNDLE_FILE}`),
    secrets: parseSecretMap(env.EVD_SECRETS),
    leaseMs: positiveInt(env, "EVD_LEASE_MS") ?? 900_000,
    ...(maxReceiveCount ? { maxReceiveCount } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(env.EVD_PAYLOAD_BUCKET ? { payloadBucket: env.EVD_PAYLOAD_BUCKET } : {}),
  };
}
