/** The configuration both bench processes use: one signed webhook source, an offline handler. */
import { parseConfig } from "../shared/config/parse.ts";
import type { OrchestratorConfig } from "../shared/config/schema.ts";

export const BENCH_SECRET = "bench-secret";
export const BENCH_PATH = "/hooks/bench";

export function benchConfig(): OrchestratorConfig {
  return parseConfig(
    {
      sources: [{ type: "webhook", path: BENCH_PATH, secret: BENCH_SECRET, handler: "noop" }],
      handlers: { noop: { prompt: "event {event.id}" } },
      queue_capacity: 1_000_000,
      webhook_port: 0,
    },
    { where: "bench", env: {} },
  );
}
