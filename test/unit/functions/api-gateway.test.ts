import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiGatewayResultOf, ingestRequestOf } from "../../../functions/api-gateway.ts";
import { normalizeHeaders } from "../../../shared/ingest/ingest-request.ts";
import { apiGatewayV2Event } from "../../harness/lambda-events.ts";

describe("API Gateway v2 <-> ingest request", () => {
  it("decodes a base64 body to the exact bytes and lower-cases header names", () => {
    const raw = Buffer.from([0x7b, 0x22, 0xc3, 0xa9, 0x22, 0x7d]);
    const req = ingestRequestOf(
      apiGatewayV2Event({
        path: "/github",
        headers: { "X-Hub-Signature-256": "sha256=ab", "Content-Type": "application/json" },
        body: raw,
        base64: true,
      }),
    );
    assert.deepEqual(req.rawBody, raw);
    assert.equal(req.method, "POST");
    assert.equal(req.path, "/github");
    assert.equal(req.headers["x-hub-signature-256"], "sha256=ab");
    assert.equal(req.headers["X-Hub-Signature-256"], undefined);
  });

  it("finds the source path behind a named stage or a custom domain's API mapping", () => {
    const at = (o: { stage?: string; mappingKey?: string }) =>
      ingestRequestOf(apiGatewayV2Event({ path: "/github", headers: {}, body: "{}", ...o })).path;
    assert.equal(at({ stage: "prod" }), "/github");
    assert.equal(at({ mappingKey: "hooks" }), "/github");
    assert.equal(at({}), "/github");
    const viaDefaultRoute = { ...apiGatewayV2Event({ path: "/github", headers: {}, body: "{}", stage: "prod" }) };
    assert.equal(ingestRequestOf({ ...viaDefaultRoute, routeKey: "$default" }).path, "/github");
  });

  it("takes a plain body as UTF-8 and an absent body as empty", () => {
    const e = apiGatewayV2Event({ path: "/hook", headers: {}, body: "héllo" });
    assert.equal(ingestRequestOf(e).rawBody.toString("utf8"), "héllo");
    assert.equal(ingestRequestOf({ ...e, body: undefined }).rawBody.length, 0);
  });

  it("joins repeated header names in any case", () => {
    assert.deepEqual(normalizeHeaders({ Accept: "a", accept: "b", skip: undefined }), { accept: "a, b" });
  });

  it("maps the ingest answer to an API Gateway result", () => {
    assert.deepEqual(
      apiGatewayResultOf({ status: 429, headers: { "retry-after": "5" }, body: '{"error":"queue_full"}' }),
      {
        statusCode: 429,
        headers: { "content-type": "application/json", "retry-after": "5" },
        body: '{"error":"queue_full"}',
        isBase64Encoded: false,
      },
    );
  });
});
