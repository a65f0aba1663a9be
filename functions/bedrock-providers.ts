/** Bedrock providers for the runner's pipeline (ingest never imports this file). */
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { lazy, sdkConfig, type AwsConnection } from "../shared/aws/aws-connection.ts";
import { bedrockProvider } from "../shared/aws/bedrock-provider.ts";
import type { OrchestratorConfig } from "../shared/config/schema.ts";
import type { Provider } from "../shared/providers/provider.ts";
import type { CloudEnv } from "./cloud-env.ts";

/**
 * A model may think for minutes: the answer's wait is bounded by the job's deadline (its abort
 * signal), not by the client; connecting is bounded like every client's.
 */
const BEDROCK_SDK_TIMEOUTS = { connectMs: 3_000, requestMs: 15 * 60_000, maxAttempts: 2 } as const;

/**
 * Bedrock providers for the pipeline: one per `providers.<name>` of kind `bedrock`, plus `bedrock`
 * itself, sharing one lazily created client per region.
 */
export function bedrockProviders(
  config: OrchestratorConfig,
  env: CloudEnv,
  conn: AwsConnection = {},
): Record<string, Provider> {
  const clients = new Map<string, () => BedrockRuntimeClient>();
  const clientFor = (region: string | undefined) => {
    const key = region ?? "";
    let c = clients.get(key);
    if (!c) {
      c = lazy(
        () =>
          new BedrockRuntimeClient(
            sdkConfig({
              ...((region ?? env.region) ? { region: region ?? env.region } : {}),
              timeouts: BEDROCK_SDK_TIMEOUTS,
              ...conn,
            }),
          ),
      );
      clients.set(key, c);
    }
    return c;
  };
  const out: Record<string, Provider> = {};
  if (!("bedrock" in config.providers)) out.bedrock = bedrockProvider({ client: clientFor(undefined) });
  for (const [name, p] of Object.entries(config.providers)) {
    if (p.kind !== "bedrock") continue;
    out[name] = bedrockProvider({
      name,
      client: clientFor(p.region),
      ...(p.model ? { model: p.model } : {}),
      maxTokens: p.max_tokens,
    });
  }
  return out;
}
