// Baseline 2: @octokit/webhooks' Node middleware (verify + parse + dispatch) with a no-op
// pull_request handler, storing nothing. Prints {"port"} on stdout when ready.
import { createServer } from "node:http";
import { createNodeMiddleware, Webhooks } from "@octokit/webhooks";

const webhooks = new Webhooks({ secret: process.env.BENCH_SECRET ?? "" });
webhooks.on("pull_request", () => {});
const middleware = createNodeMiddleware(webhooks, { path: process.env.BENCH_PATH ?? "/github" });
const server = createServer({ keepAlive: true }, (req, res) => void middleware(req, res));
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
