/**
 * The Bedrock provider (Converse API, IAM auth): the natural default in Lambda. The client is
 * injected (lazy) so tests point the real SDK at a local server speaking the Converse wire format.
 */
import { ConverseCommand, type BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { CompletionRequest, CompletionResponse, Provider } from "../providers/provider.ts";
import { AwsAdapterError } from "./errors.ts";

/**
 * Claude Haiku 4.5 through the US cross-region inference profile: current Anthropic models accept
 * on-demand invocation only through an inference profile (`us.`, `eu.`, `apac.`, `global.`
 * prefix); the bare model id answers "on-demand throughput isn't supported". Outside the US,
 * configure the profile of your geography.
 */
export const DEFAULT_BEDROCK_MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

export interface BedrockProviderOptions {
  readonly client: () => BedrockRuntimeClient;
  /** @default "bedrock" */
  readonly name?: string;
  /** @default DEFAULT_BEDROCK_MODEL */
  readonly model?: string;
  /** @default 1024 */
  readonly maxTokens?: number;
}

export class BedrockProviderError extends AwsAdapterError {
  override readonly name = "BedrockProviderError";
}

export function bedrockProvider(options: BedrockProviderOptions): Provider {
  const name = options.name ?? "bedrock";
  return {
    name,
    async complete(request: CompletionRequest): Promise<CompletionResponse> {
      const modelId = request.model ?? options.model ?? DEFAULT_BEDROCK_MODEL;
      let out;
      try {
        out = await options.client().send(
          new ConverseCommand({
            modelId,
            messages: [{ role: "user", content: [{ text: request.prompt }] }],
            ...(request.system ? { system: [{ text: request.system }] } : {}),
            inferenceConfig: { maxTokens: request.maxTokens ?? options.maxTokens ?? 1024 },
          }),
          request.signal ? { abortSignal: request.signal } : {},
        );
      } catch (err) {
        throw new BedrockProviderError(
          `${name}: Converse with model "${modelId}" failed: ${(err as Error).name}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const text = (out.output?.message?.content ?? []).map((c) => c.text ?? "").join("");
      return {
        text,
        model: modelId,
        usage: { inputTokens: out.usage?.inputTokens, outputTokens: out.usage?.outputTokens },
      };
    },
  };
}
