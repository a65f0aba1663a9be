import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sampleCurl, SAMPLE_BODY } from "../../../../local/daemon/banner.ts";
import { parseSourceTypes } from "../../../../local/daemon/daemon.ts";
import { parseConfig } from "../../../../shared/config/parse.ts";
import { verifySignature } from "../../../../shared/signatures/verify.ts";

function config(source: Record<string, unknown>) {
  return parseConfig(
    { sources: [{ type: "webhook", path: "/hooks/x", handler: "h", ...source }], handlers: { h: { prompt: "hi" } } },
    { where: "test", env: {} },
  );
}

function headersOf(curl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of curl.matchAll(/-H '([^:']+): ([^']*)'/g)) out[m[1]!.toLowerCase()] = m[2]!;
  return out;
}

describe("daemon options and banner", () => {
  it("parses --sources and names the known types when one is wrong", () => {
    assert.equal(parseSourceTypes(undefined), undefined);
    assert.deepEqual([...parseSourceTypes(["file_change,schedule"])!], ["file_change", "schedule"]);
    assert.throws(() => parseSourceTypes(["file_change,cron"]), /unknown source type "cron".*file_change, git_push/);
    assert.throws(() => parseSourceTypes([","]), /at least one/);
  });

  it("prints a curl whose X-Signature verifies, with the secret from the environment", async () => {
    const curl = sampleCurl(
      config({ secret: "${DEMO_SECRET}" }),
      "http://127.0.0.1:8080",
      { DEMO_SECRET: "s3cret" },
      1_700_000_000,
    )!;
    assert.match(curl, /^curl -i -X POST http:\/\/127\.0\.0\.1:8080\/hooks\/x /);
    const headers = headersOf(curl);
    assert.deepEqual(await verifySignature("hmac-sha256", "s3cret", { headers, rawBody: Buffer.from(SAMPLE_BODY) }), {
      ok: true,
    });
  });

  it("signs Standard Webhooks with id and timestamp headers", async () => {
    const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
    const curl = sampleCurl(
      config({ secret, signature: "standard-webhooks" }),
      "http://h:1",
      {},
      Math.floor(Date.now() / 1000),
    )!;
    const headers = headersOf(curl);
    assert.deepEqual(
      await verifySignature("standard-webhooks", secret, { headers, rawBody: Buffer.from(SAMPLE_BODY) }),
      { ok: true },
    );
  });

  it("says which variable to set when the secret is not in the environment", () => {
    assert.match(sampleCurl(config({ secret: "${MISSING_SECRET}" }), "http://h:1", {}, 0)!, /set MISSING_SECRET/);
  });
});
