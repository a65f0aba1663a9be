/**
 * The offline provider: deterministic, returns the rendered prompt under a header line. It reports
 * token usage too (about four characters a token, the usual rule of thumb), so budgets, prices and
 * traces can be tried and tested offline.
 */
import type { Provider } from "./provider.ts";

/** The echo provider's token count of a text: one token per four characters, rounded up. */
export function echoTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function echoProvider(name = "echo", defaultModel = "echo"): Provider {
  return {
    name,
    async complete(request) {
      const model = request.model ?? defaultModel;
      const system = request.system ? `[system] ${request.system}\n` : "";
      const text = `[echo model=${model}]\n${system}${request.prompt}`;
      return {
        text,
        model,
        usage: { inputTokens: echoTokens((request.system ?? "") + request.prompt), outputTokens: echoTokens(text) },
      };
    },
  };
}
