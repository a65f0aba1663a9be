/**
 * The `evd daemon` config every daemon figure runs: one GitHub pull_request source on /github
 * (the bench secret from the environment), a no-op handler (one prompt to the offline echo
 * provider), and the state folder inside the run's temporary folder. Written as JSON (a YAML file
 * may hold JSON).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GITHUB_PATH } from "./github-delivery.ts";

export interface BenchDaemonConfig {
  readonly port: number;
  readonly maxConcurrentHandlers?: number;
  /** Hook modules (absolute paths) the daemon loads. */
  readonly hooks?: readonly string[];
  readonly historyLimit?: number;
  readonly queueCapacity?: number;
}

export function writeDaemonConfig(dir: string, c: BenchDaemonConfig): string {
  const config = {
    sources: [
      {
        type: "git_pr",
        path: GITHUB_PATH,
        secret: "${BENCH_SECRET}",
        events: ["opened", "synchronize"],
        handler: "noop",
      },
    ],
    handlers: { noop: { prompt: "Pull request #{payload.number} of {repo}" } },
    default_provider: "echo",
    webhook_host: "127.0.0.1",
    webhook_port: c.port,
    max_body_bytes: 1_000_000,
    queue_capacity: c.queueCapacity ?? 1_000_000,
    max_concurrent_handlers: c.maxConcurrentHandlers ?? 4,
    history_limit: c.historyLimit ?? 1000,
    state_file: join(dir, "state", "event-state.json"),
    // The figures send far more than a real source's storm threshold (300 events a minute): the
    // breaker still counts every delivery on the ack path, it just never trips here.
    guardrails: { storm: { max_events: 100_000_000 } },
    ...(c.hooks?.length ? { hooks: c.hooks } : {}),
  };
  const file = join(dir, "evd.yaml");
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
