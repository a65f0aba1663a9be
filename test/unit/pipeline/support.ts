/** Test support for the pipeline, tools and providers tests: local HTTP servers, secrets, jobs. */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jobIdOf, type Event, type Job } from "../../../shared/events/event.ts";
import type { SecretStore } from "../../../shared/ports/secret-store.ts";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

export interface TestServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1, ephemeral port, recording every request. */
export async function startServer(
  handle: (req: RecordedRequest, res: ServerResponse) => void | Promise<void>,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const recorded = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      void handle(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** A SecretStore over a map (the local adapter reads env vars the same way). */
export function mapSecrets(values: Record<string, string>): SecretStore {
  return {
    async get(name) {
      const value = values[name];
      if (value === undefined) throw new Error(`secret ${name} is not set`);
      return value;
    },
  };
}

export function jobFor(event: Event, handler: string): Job {
  return { id: jobIdOf(event.id, handler), handler, event, attempt: 1, enqueued_at: event.timestamp };
}

export function testEvent(type: Event["type"], payload: Record<string, unknown>, id = `${type}-1`): Event {
  return { id, type, source: "test", payload, timestamp: "2026-01-05T09:00:00.000Z" };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "evd-pipeline-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function signal(): AbortSignal {
  return new AbortController().signal;
}
