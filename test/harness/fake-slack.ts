/** A stand-in for a Slack incoming webhook on 127.0.0.1: records each JSON message posted to it. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeSlack {
  /** The incoming-webhook URL to configure. */
  readonly webhookUrl: string;
  readonly messages: { text: string; channel?: string }[];
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const messages: { text: string; channel?: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.startsWith("/services/")) {
        res.writeHead(404).end("no_service");
        return;
      }
      try {
        messages.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text: string; channel?: string });
      } catch {
        res.writeHead(400).end("invalid_payload");
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/evdtest`,
    messages,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
