/**
 * Child process of kill9.test.ts: submits jobs in concurrent waves to a store in argv[2] and prints
 * "acked <job id>" once each submit resolved (= committed), until it is killed.
 */
import { OrchestratorConfig } from "../../../../shared/config/schema.ts";
import { openLocalStore } from "../../../../local/store/local-store.ts";

const dir = process.argv[2]!;
const config = OrchestratorConfig.parse({ handlers: { h: { prompt: "hi" } }, queue_capacity: 1_000_000 });
const store = openLocalStore({ dir, config });
process.stdout.write("ready\n");
for (let wave = 0; ; wave++) {
  await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const id = `k${wave}-${i}`;
      const event = {
        id,
        type: "webhook" as const,
        source: "/k",
        payload: { wave, i },
        timestamp: new Date().toISOString(),
      };
      const out = await store.submit(event, [
        { id: `${id}#h`, handler: "h", event, attempt: 1, enqueued_at: event.timestamp },
      ]);
      if (out.kind === "accepted") process.stdout.write(`acked ${id}#h\n`);
    }),
  );
}
