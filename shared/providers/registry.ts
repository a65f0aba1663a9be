/**
 * Builds the providers a config names (`providers` + `default_provider`). `echo` always exists
 * (the default when nothing is configured). API keys are secret references resolved lazily
 * through the SecretStore at the first call; they are never logged. Bedrock lives in shared/aws
 * and comes in through `extra` (by the config entry's name, or under "bedrock").
 */
import type { OrchestratorConfig, ProviderConfig } from "../config/schema.ts";
import { resolveSecret } from "../config/secret-ref.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import { anthropicProvider } from "./anthropic.ts";
import { echoProvider } from "./echo.ts";
import { ProviderError } from "./errors.ts";
import { openAiProvider } from "./openai.ts";
import type { Provider } from "./provider.ts";

export interface ProviderRegistryDeps {
  readonly secrets: SecretStore;
  readonly fetch?: typeof fetch;
  /** Extra or overriding providers by name (e.g. Bedrock from shared/aws). */
  readonly extra?: Readonly<Record<string, Provider>>;
}

export interface ProviderEntry {
  readonly provider: Provider;
  /** The model and token limit from the config entry (the step may override them). */
  readonly model?: string;
  readonly maxTokens?: number;
}

export interface ProviderRegistry {
  /** The provider for a name (undefined: the default); throws a permanent ProviderError for unknown names. */
  get(name?: string): ProviderEntry;
  readonly names: readonly string[];
  readonly defaultName: string;
}

function build(name: string, entry: ProviderConfig, deps: ProviderRegistryDeps): Provider {
  const apiKey = (): (() => Promise<string>) => {
    let cached: Promise<string> | undefined;
    return () => {
      if (entry.api_key === undefined) return Promise.resolve("");
      cached ??= resolveSecret(entry.api_key, deps.secrets).catch((error: unknown) => {
        cached = undefined;
        throw new ProviderError(`provider "${name}": its api_key could not be resolved: ${(error as Error).message}`, {
          permanent: true,
          cause: error,
        });
      });
      return cached;
    };
  };
  switch (entry.kind) {
    case "echo":
      return echoProvider(name, entry.model ?? "echo");
    case "anthropic": {
      const key = apiKey();
      return anthropicProvider({
        name,
        apiKey: async () => {
          const value = await key();
          if (!value)
            throw new ProviderError(`provider "${name}": anthropic needs providers.${name}.api_key`, {
              permanent: true,
            });
          return value;
        },
        model: entry.model,
        maxTokens: entry.max_tokens,
        baseUrl: entry.base_url,
        fetch: deps.fetch,
      });
    }
    case "openai":
      return openAiProvider({
        name,
        apiKey: apiKey(),
        model: entry.model,
        maxTokens: entry.max_tokens,
        baseUrl: entry.base_url,
        fetch: deps.fetch,
      });
    case "bedrock": {
      const provided = deps.extra?.[name] ?? deps.extra?.bedrock;
      if (provided) return provided;
      return {
        name,
        complete() {
          return Promise.reject(
            new ProviderError(
              `provider "${name}" is Bedrock, which is only available where the AWS runtime provides it (shared/aws)`,
              { permanent: true },
            ),
          );
        },
      };
    }
  }
}

export function createProviderRegistry(
  config: Pick<OrchestratorConfig, "providers" | "default_provider">,
  deps: ProviderRegistryDeps,
): ProviderRegistry {
  const entries = new Map<string, ProviderEntry>();
  entries.set("echo", { provider: echoProvider() });
  for (const [name, entry] of Object.entries(config.providers)) {
    entries.set(name, { provider: build(name, entry, deps), model: entry.model, maxTokens: entry.max_tokens });
  }
  for (const [name, provider] of Object.entries(deps.extra ?? {})) {
    const configured = config.providers[name];
    entries.set(name, { provider, model: configured?.model, maxTokens: configured?.max_tokens });
  }
  const names = [...entries.keys()];
  const defaultName = config.default_provider;
  return {
    names,
    defaultName,
    get(name) {
      const wanted = name ?? defaultName;
      const entry = entries.get(wanted);
      if (!entry) {
        throw new ProviderError(
          `unknown provider "${wanted}"${name === undefined ? " (default_provider)" : ""}; configured providers: ${names.join(", ")}`,
          { permanent: true },
        );
      }
      return entry;
    },
  };
}
