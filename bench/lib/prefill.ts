/**
 * Queues deliveries straight into a daemon's store before it starts, through the same admission
 * the daemon's ingest uses (shared admit: hooks, route, store.submit with compression and group
 * commit): the GitHub pull_request event, each with a fresh delivery id.
 */
import { loadConfig } from "../../shared/config/load.ts";
import { nodeConfigFiles } from "../../shared/node/node-config-files.ts";
import { normalizeGithubDelivery } from "../../shared/events/github.ts";
import { createHookBus } from "../../shared/hooks/hook-bus.ts";
import { AdmissionKind, configRoute, createAdmission } from "../../shared/ingest/admit.ts";
import { silentLogger } from "../../shared/logging/logger.ts";
import { systemClock } from "../../shared/ports/clock.ts";
import { openLocalStore } from "../../local/store/local-store.ts";
import { deliveryId, GITHUB_PATH, pullRequestDelivery } from "./github-delivery.ts";

export async function prefillQueue(configPath: string, count: number, env: Record<string, string>): Promise<void> {
  const loaded = await loadConfig({ configPath, env, files: nodeConfigFiles });
  const store = openLocalStore({ dir: loaded.stateDir, config: loaded.config });
  const admit = createAdmission({
    route: configRoute(loaded.config),
    queue: store,
    hooks: createHookBus([], silentLogger),
    clock: systemClock,
    logger: silentLogger,
  });
  const body = pullRequestDelivery().body.toString("utf8");
  try {
    const CHUNK = 500;
    for (let done = 0; done < count; done += CHUNK) {
      const n = Math.min(CHUNK, count - done);
      const outcomes = await Promise.all(
        Array.from({ length: n }, () =>
          admit(
            normalizeGithubDelivery({
              eventName: "pull_request",
              deliveryId: deliveryId(),
              payload: JSON.parse(body) as Record<string, unknown>,
              receivedAt: new Date(systemClock.now()),
              path: GITHUB_PATH,
            }),
          ),
        ),
      );
      const refused = outcomes.find((o) => o.kind !== AdmissionKind.ACCEPTED);
      if (refused) throw new Error(`prefill: an event was ${refused.kind}, not accepted`);
    }
  } finally {
    await store.close();
  }
}
