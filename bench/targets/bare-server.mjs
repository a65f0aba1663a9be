// Baseline 1: a bare node:http server that verifies GitHub's HMAC (X-Hub-Signature-256, constant
// time) on the raw body and answers 202, storing nothing. Prints {"port"} on stdout when ready.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const secret = process.env.BENCH_SECRET ?? "";
const server = createServer({ keepAlive: true }, (req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const got = Buffer.from(String(req.headers["x-hub-signature-256"] ?? ""));
    const want = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"bad_signature"}');
      return;
    }
    const text = '{"status":"accepted"}';
    res.writeHead(202, { "content-type": "application/json", "content-length": String(text.length) }).end(text);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
