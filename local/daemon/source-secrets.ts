/**
 * Signed sources whose secret cannot be had, found at start instead of by a stream of 401s and
 * 503s: a `${NAME}` secret whose variable is unset or empty (every delivery would get 503), or a
 * signed source with no secret at all (every delivery would get 401).
 */
import { secretRefName } from "../../shared/config/secret-ref.ts";
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import { configEndpoints } from "../../shared/ingest/endpoints.ts";

/** Source index -> what is wrong with its secret. */
export function sourceSecretProblems(
  config: OrchestratorConfig,
  env: Readonly<Record<string, string | undefined>>,
): Map<number, string> {
  const problems = new Map<number, string>();
  for (const endpoint of configEndpoints(config).values()) {
    for (const g of endpoint.sources) {
      if (g.scheme === "none") continue;
      if (g.secret === undefined) {
        problems.set(
          g.index,
          `no secret configured for ${endpoint.path}: every delivery is refused (401); set \`secret\` (or \`signature: none\` for an unsigned endpoint)`,
        );
        continue;
      }
      const ref = secretRefName(g.secret);
      if (ref !== undefined && (env[ref] === undefined || env[ref] === ""))
        problems.set(
          g.index,
          `secret \${${ref}} is not set: deliveries to ${endpoint.path} are refused (503) until it is set and the daemon restarted`,
        );
    }
  }
  return problems;
}
