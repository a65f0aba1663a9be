/** Anthropic Messages API over fetch (`POST {base_url}/v1/messages`, `x-api-key`, `anthropic-version`). */
import { ProviderError } from "./errors.ts";
import { postJson } from "./post-json.ts";
import type { Provider } from "./provider.ts";
import { nodeFetch } from "../node/node-fetch.ts";

export const ANTHROPIC_VERSION = "2023-06-01";
export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";

export interface AnthropicOptions {
  readonly name?: string;
  /** Resolved lazily, at the first call. */
  readonly apiKey: () => Promise<string>;
  readonly model?: string;
  readonly maxTokens?: number;
  /** With or without the trailing `/v1`. @default https://api.anthropic.com */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
}

interface MessagesResponse {
  model?: string;
  content?: { type: string; text?: string }[];
  usage?: { input_tokens?: number; output_tokens?: number };
}

export function anthropicProvider(options: AnthropicOptions): Provider {
  const name = options.name ?? "anthropic";
  const fetchFn = options.fetch ?? nodeFetch;
  const base = (options.baseUrl ?? ANTHROPIC_BASE_URL).replace(/\/+$/, "");
  const url = `${base.endsWith("/v1") ? base : `${base}/v1`}/messages`;
  return {
    name,
    async complete(request) {
      const model = request.model ?? options.model;
      if (!model)
        throw new ProviderError(`${name}: no model configured (set providers.${name}.model or the step's model)`, {
          permanent: true,
        });
      const body = {
        model,
        max_tokens: request.maxTokens ?? options.maxTokens ?? 1024,
        ...(request.system ? { system: request.system } : {}),
        messages: [{ role: "user", content: request.prompt }],
      };
      const headers = { "x-api-key": await options.apiKey(), "anthropic-version": ANTHROPIC_VERSION };
      const data = (await postJson(fetchFn, name, url, headers, body, request.signal)) as MessagesResponse;
      const text = (data.content ?? [])
        .filter((b) => b.type === "text")
        .map((b) => b.text ?? "")
        .join("");
      return {
        text,
        model: data.model ?? model,
        usage: { inputTokens: data.usage?.input_tokens, outputTokens: data.usage?.output_tokens },
      };
    },
  };
}
