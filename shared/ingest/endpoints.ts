/**
 * The HTTP endpoints a config declares: GitHub endpoints (git_push, git_pr and GitHub-facing custom
 * sources share one path, default `/github`) and generic webhook paths. Each endpoint lists the
 * sources behind it with the signature scheme and secret that guard them.
 */
import type { OrchestratorConfig, SourceConfig } from "../config/schema.ts";
import { customGithubPath } from "../router/source-match.ts";
import { secretRefName } from "../config/secret-ref.ts";
import type { SignatureScheme } from "../signatures/verify.ts";
import { webhookScheme } from "../signatures/webhook-scheme.ts";

/** The secret a GitHub-facing source uses when it names none. */
export const DEFAULT_GITHUB_SECRET = "${GITHUB_WEBHOOK_SECRET}";

export const EndpointKind = { GITHUB: "github", WEBHOOK: "webhook" } as const;
export type EndpointKind = (typeof EndpointKind)[keyof typeof EndpointKind];

export interface GuardedSource {
  readonly source: SourceConfig;
  readonly index: number;
  readonly scheme: SignatureScheme;
  /**
   * True when the resolved secret decides the scheme (a webhook with no `signature` whose secret is
   * a `${NAME}` reference: `whsec_...` means standard-webhooks); `scheme` is then the fallback.
   */
  readonly schemeFromSecret?: boolean;
  /** The secret as written in the config (a `${NAME}` reference or a literal); undefined = none configured. */
  readonly secret: string | undefined;
}

export interface Endpoint {
  readonly kind: EndpointKind;
  readonly path: string;
  readonly sources: readonly GuardedSource[];
  /** Largest body accepted on this path, in bytes. */
  readonly maxBodyBytes: number;
}

/** Every endpoint of the config, by path. GitHub endpoints win if a webhook source reuses their path. */
export function configEndpoints(config: OrchestratorConfig): Map<string, Endpoint> {
  const github = new Map<string, GuardedSource[]>();
  const webhooks = new Map<string, GuardedSource[]>();
  const push = (map: Map<string, GuardedSource[]>, path: string, g: GuardedSource) => {
    const list = map.get(path) ?? [];
    list.push(g);
    map.set(path, list);
  };
  config.sources.forEach((source, index) => {
    if (!source.enabled) return;
    if (source.type === "git_push" || source.type === "git_pr") {
      push(github, source.path, { source, index, scheme: "github", secret: source.secret });
    } else if (source.type === "custom") {
      const path = customGithubPath(source);
      if (path !== undefined)
        push(github, path, { source, index, scheme: "github", secret: source.secret ?? DEFAULT_GITHUB_SECRET });
    } else if (source.type === "webhook") {
      const fromSecret =
        source.signature === undefined && source.secret !== undefined && secretRefName(source.secret) !== undefined;
      push(webhooks, source.path, {
        source,
        index,
        scheme: webhookScheme(source.signature, fromSecret ? undefined : source.secret),
        ...(fromSecret ? { schemeFromSecret: true } : {}),
        secret: source.secret,
      });
    }
  });
  const out = new Map<string, Endpoint>();
  for (const [path, sources] of webhooks) {
    const maxBodyBytes = Math.max(
      ...sources.map(
        (g) => (g.source.type === "webhook" ? g.source.max_body_bytes : undefined) ?? config.max_body_bytes,
      ),
    );
    out.set(path, { kind: EndpointKind.WEBHOOK, path, sources, maxBodyBytes });
  }
  for (const [path, sources] of github)
    out.set(path, { kind: EndpointKind.GITHUB, path, sources, maxBodyBytes: config.max_body_bytes });
  return out;
}

/** The body limit for a request to `path` (transports use it to stop reading early). */
export function ingestBodyLimit(config: OrchestratorConfig, path: string): number {
  return configEndpoints(config).get(stripQuery(path))?.maxBodyBytes ?? config.max_body_bytes;
}

export function stripQuery(path: string): string {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}
