/** The offline provider: deterministic, returns the rendered prompt under a header line. */
import type { Provider } from "./provider.ts";

export function echoProvider(name = "echo", defaultModel = "echo"): Provider {
  return {
    name,
    async complete(request) {
      const model = request.model ?? defaultModel;
      const system = request.system ? `[system] ${request.system}\n` : "";
      return {
        text: `[echo model=${model}]\n${system}${request.prompt}`,
        model,
        usage: { inputTokens: 0, outputTokens: 0 },
      };
    },
  };
}
