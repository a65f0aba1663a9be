/**
 * One bench target, run in its own process: `daemon` (the daemon's webhook server + shared ingest +
 * embedded store with group commit, exactly as `evd daemon` wires them, minus the worker) or
 * `bare` (node:http that verifies the same HMAC and stores nothing). Prints {"port"} when ready;
 * on SIGTERM closes everything and prints {"stats"}.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createWebhookServer } from "../local/daemon/http-server.ts";
import { openLocalStore } from "../local/store/local-store.ts";
import { createHookBus } from "../shared/hooks/hook-bus.ts";
import { configEndpoints } from "../shared/ingest/endpoints.ts";
import { createIngest } from "../shared/ingest/ingest.ts";
import { jsonLogger, silentLogger } from "../shared/logging/logger.ts";
import { MapSecretStore } from "../shared/memory/memory-secret-store.ts";
import { systemClock } from "../shared/ports/clock.ts";
import { BENCH_SECRET, benchConfig } from "./bench-config.ts";

const [kind, dir] = process.argv.slice(2);

function say(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

if (kind === "daemon") {
  const config = benchConfig();
  const store = openLocalStore({ dir: dir!, config });
  const endpoints = configEndpoints(config);
  // BENCH_LOG=1: the daemon's own logger (local/daemon/daemon.ts): JSON lines on stderr.
  const logger =
    process.env.BENCH_LOG === "1"
      ? jsonLogger((line) => process.stderr.write(`${line}\n`), { base: { component: "daemon" } })
      : silentLogger;
  const ingest = createIngest({
    config,
    queue: store,
    secrets: new MapSecretStore({}),
    hooks: createHookBus([], logger.child({ component: "hooks" })),
    clock: systemClock,
    logger: logger.child({ component: "ingest" }),
  });
  const server = createWebhookServer({
    host: "127.0.0.1",
    port: 0,
    bodyLimit: (p) => endpoints.get(p)?.maxBodyBytes ?? config.max_body_bytes,
    ingest,
    logger: logger.child({ component: "http" }),
  });
  const { port } = await server.listen();
  say({ port });
  process.once("SIGTERM", async () => {
    await server.close();
    const stats = store.commitStats();
    await store.close();
    say({ stats });
    process.exit(0);
  });
} else if (kind === "bare") {
  const expectedPrefix = "sha256=";
  const server = createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const given = String(req.headers["x-signature"] ?? "");
      const want = Buffer.from(expectedPrefix + createHmac("sha256", BENCH_SECRET).update(body).digest("hex"));
      const got = Buffer.from(given);
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":"bad_signature"}');
        return;
      }
      const text = JSON.stringify({ status: "accepted" });
      res.writeHead(202, { "content-type": "application/json", "content-length": String(text.length) }).end(text);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  say({ port: (server.address() as AddressInfo).port });
  process.once("SIGTERM", () => {
    server.close();
    server.closeAllConnections();
    say({ stats: null });
    process.exit(0);
  });
} else {
  process.stderr.write("usage: bench/server.ts daemon <dir> | bare\n");
  process.exit(2);
}
