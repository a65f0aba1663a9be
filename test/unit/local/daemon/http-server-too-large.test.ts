/**
 * A body over the limit, announced by Content-Length, gets a clean 413 the client can read, not a
 * reset connection: with `Expect: 100-continue` before the body is sent, without it after the
 * server has read and thrown the body away.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { createWebhookServer, type WebhookServer } from "../../../../local/daemon/http-server.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";

const LIMIT = 1024;
const BODY = 4 * 1024 * 1024;

let server: WebhookServer;
let port: number;
let ingested = 0;
before(async () => {
  server = createWebhookServer({
    host: "127.0.0.1",
    port: 0,
    bodyLimit: () => LIMIT,
    ingest: async () => {
      ingested++;
      return { status: 202, headers: {}, body: "{}" };
    },
    logger: silentLogger,
  });
  ({ port } = await server.listen());
});
after(() => server.close());

/** A raw HTTP/1.1 upload of BODY bytes; resolves with what came back, or rejects with a socket error. */
function upload(expectContinue: boolean): Promise<{ response: string; bodySent: number }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let response = "";
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const complete = () => /\r\n\r\n\{[^}]*\}$/.test(response);
    sock.on("data", (d: Buffer) => {
      response += d.toString();
      if (complete() && (expectContinue || sent >= BODY)) sock.end();
    });
    sock.on("error", reject);
    sock.on("close", () => resolve({ response, bodySent: sent }));
    sock.write(
      `POST /hooks/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY}\r\n${expectContinue ? "Expect: 100-continue\r\n" : ""}\r\n`,
    );
    if (expectContinue) return;
    const pump = (): void => {
      while (sent < BODY) {
        sent += chunk.length;
        if (!sock.write(chunk)) {
          sock.once("drain", pump);
          return;
        }
      }
      if (complete()) sock.end();
    };
    pump();
  });
}

describe("webhook server: a declared body over the limit", () => {
  it("without Expect: the whole body is sent and the 413 is read, no reset", async () => {
    const { response, bodySent } = await upload(false);
    assert.equal(bodySent, BODY);
    assert.match(response, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.match(response, /\{"error":"body_too_large","message":"request body exceeds 1024 bytes"\}$/);
    assert.equal(ingested, 0);
  });

  it("with Expect: 100-continue: 413 at once, no 100 Continue, no body sent", async () => {
    const { response, bodySent } = await upload(true);
    assert.equal(bodySent, 0);
    assert.match(response, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.ok(!response.includes("100 Continue"));
    assert.equal(ingested, 0);
  });
});
