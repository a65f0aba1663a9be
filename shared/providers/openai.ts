/** OpenAI-compatible Chat Completions (`POST {base_url}/chat/completions`, Bearer key). */
import { ProviderError } from "./errors.ts";
import { postJson } from "./post-json.ts";
import type { Provider } from "./provider.ts";
import { nodeFetch } from "../node/node-fetch.ts";

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

export interface OpenAiOptions {
  readonly name?: string;
  /** Resolved lazily; an empty key sends no Authorization header (local servers). */
  readonly apiKey: () => Promise<string>;
  readonly model?: string;
  readonly maxTokens?: number;
  /** Include the version path: @default https://api.openai.com/v1 */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
}

interface ChatResponse {
  model?: string;
  choices?: { message?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export function openAiProvider(options: OpenAiOptions): Provider {
  const name = options.name ?? "openai";
  const fetchFn = options.fetch ?? nodeFetch;
  const url = `${(options.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, "")}/chat/completions`;
  return {
    name,
    async complete(request) {
      const model = request.model ?? options.model;
      if (!model)
        throw new ProviderError(`${name}: no model configured (set providers.${name}.model or the step's model)`, {
          permanent: true,
        });
      const messages = [
        ...(request.system ? [{ role: "system", content: request.system }] : []),
        { role: "user", content: request.prompt },
      ];
      const body = { model, messages, max_tokens: request.maxTokens ?? options.maxTokens ?? 1024 };
      const key = await options.apiKey();
      const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
      const data = (await postJson(fetchFn, name, url, headers, body, request.signal)) as ChatResponse;
      const choice = data.choices?.[0];
      if (!choice) throw new ProviderError(`${name}: response has no choices`, { permanent: false });
      return {
        text: choice.message?.content ?? "",
        model: data.model ?? model,
        usage: { inputTokens: data.usage?.prompt_tokens, outputTokens: data.usage?.completion_tokens },
      };
    },
  };
}
