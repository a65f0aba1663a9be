/**
 * What `evd cloud local` reads from an evd function's deploy bundle (`EVD_BUNDLE_PATH`, the
 * config as synthesized): the sources behind a route (for the signed sample request) and the
 * providers (a Bedrock default provider is worth a warning: Bedrock is not emulated). Read
 * loosely: a function that is not evd's has no bundle, and then there is nothing to say.
 */
import { readFileSync } from "node:fs";

export interface BundleSource {
  readonly type?: string;
  readonly name?: string;
  readonly path?: string;
  readonly secret?: string;
  readonly signature?: string;
  readonly branches?: readonly string[];
  readonly repositories?: readonly string[];
  readonly events?: readonly string[];
  readonly github_events?: readonly string[];
  readonly enabled?: boolean;
}

export interface BundleConfig {
  readonly sources?: readonly BundleSource[];
  readonly default_provider?: string;
  readonly providers?: Readonly<Record<string, { readonly kind?: string; readonly model?: string }>>;
}

export function readBundleConfig(environment: Readonly<Record<string, string>>): BundleConfig | undefined {
  const file = environment.EVD_BUNDLE_PATH;
  if (!file) return undefined;
  try {
    const bundle = JSON.parse(readFileSync(file, "utf8")) as { config?: BundleConfig };
    return typeof bundle.config === "object" && bundle.config !== null ? bundle.config : undefined;
  } catch {
    return undefined;
  }
}

/** Warnings about what the bundle needs that does not exist locally. */
export function bundleWarnings(config: BundleConfig | undefined): string[] {
  if (!config?.default_provider) return [];
  const name = config.default_provider;
  const kind = config.providers?.[name]?.kind ?? name;
  if (kind !== "bedrock") return [];
  return [
    `the config's default provider "${name}" is Bedrock, which evd cloud local does not emulate: prompts fail there. ` +
      "Synthesize with the echo provider (examples/*.yaml read EVD_PROVIDER: EVD_PROVIDER=echo evd cloud local ...; npm run cloud:local does so)",
  ];
}
