import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiGatewayEvent, apiResponseOf, isTextContent } from "../../../../local/cloud-local/http-api/api-event.ts";
import { matchRoute } from "../../../../local/cloud-local/http-api/route-match.ts";
import { TokenBucket } from "../../../../local/cloud-local/http-api/token-bucket.ts";

describe("HTTP API: event, answer, routes, throttle", () => {
  it("passes text and JSON bodies as text, everything else (forms too) as base64", () => {
    for (const t of ["application/json", "application/json; charset=utf-8", "text/plain", "application/vnd.api+json"])
      assert.equal(isTextContent(t), true, t);
    for (const t of [undefined, "application/x-www-form-urlencoded", "application/octet-stream", "image/png"])
      assert.equal(isTextContent(t), false, String(t));
    const event = apiGatewayEvent(
      {
        method: "POST",
        path: "/github",
        rawQueryString: "",
        headers: { "content-type": ["application/x-www-form-urlencoded"], "x-github-event": ["push"] },
        body: Buffer.from("payload=%7B%7D"),
        sourceIp: "127.0.0.1",
        protocol: "HTTP/1.1",
      },
      {
        accountId: "000000000000",
        apiId: "abc",
        domainName: "127.0.0.1",
        routeKey: "POST /github",
        stage: "$default",
        now: new Date("2026-03-12T19:03:58Z"),
      },
    );
    assert.equal(event.isBase64Encoded, true);
    assert.equal(Buffer.from(event.body!, "base64").toString(), "payload=%7B%7D");
    assert.equal(event.requestContext.time, "12/Mar/2026:19:03:58 +0000");
    assert.equal(event.headers["x-forwarded-for"], "127.0.0.1");
  });

  it("reads the function's answer as API Gateway does", () => {
    const inferred = apiResponseOf({ message: "hi" })!;
    assert.equal(inferred.status, 200);
    assert.equal(inferred.headers["content-type"], "application/json");
    assert.equal(inferred.body.toString(), '{"message":"hi"}');
    assert.equal(apiResponseOf("plain")!.body.toString(), "plain");
    const binary = apiResponseOf({
      statusCode: 201,
      headers: { "X-A": "1" },
      body: Buffer.from([1, 2]).toString("base64"),
      isBase64Encoded: true,
      cookies: ["a=1"],
    })!;
    assert.deepEqual(
      [binary.status, binary.headers, [...binary.body], binary.cookies],
      [201, { "x-a": "1" }, [1, 2], ["a=1"]],
    );
    assert.equal(apiResponseOf({ statusCode: 42 }), undefined);
  });

  it("selects the most specific route: literal, then parameter, then greedy; a method over ANY; $default last", () => {
    const routes = new Map([
      ["ANY /items/{id}", "any-item"],
      ["GET /items/{id}", "get-item"],
      ["GET /items/special", "special"],
      ["GET /files/{path+}", "files"],
      ["$default", "fallback"],
    ]);
    assert.equal(matchRoute(routes, "GET", "/items/special")!.target, "special");
    assert.deepEqual(matchRoute(routes, "GET", "/items/7"), {
      routeKey: "GET /items/{id}",
      target: "get-item",
      pathParameters: { id: "7" },
    });
    assert.equal(matchRoute(routes, "DELETE", "/items/7")!.target, "any-item");
    assert.deepEqual(matchRoute(routes, "GET", "/files/a/b.txt")!.pathParameters, { path: "a/b.txt" });
    assert.equal(matchRoute(routes, "POST", "/nothing")!.routeKey, "$default");
    assert.equal(matchRoute(new Map([["POST /github", "x"]]), "POST", "/github/extra"), undefined);
  });

  it("throttles with a bucket of `burst` requests refilled at `rate` per second", () => {
    let t = 0;
    const bucket = new TokenBucket(2, 3, () => t);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
    t = 500;
    assert.deepEqual([bucket.take(), bucket.take()], [true, false]);
  });
});
