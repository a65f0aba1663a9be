import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { configEndpoints } from "../../../shared/ingest/endpoints.ts";
import { cachedSecretResolver, verifyEndpoint } from "../../../shared/ingest/verify-endpoint.ts";
import type { SecretStore } from "../../../shared/ports/secret-store.ts";
import { signHmacSha256 } from "../../../shared/signatures/sign.ts";

/** A secret store whose values the test changes (a rotation), counting reads. */
function rotatingStore(initial: string): SecretStore & { rotate(v: string): void; reads: number; down: boolean } {
  let versions = [initial];
  const store = {
    reads: 0,
    down: false,
    rotate(v: string) {
      versions = [v, versions[0]!];
    },
    async get() {
      return (await store.candidates())[0]!;
    },
    async candidates() {
      store.reads++;
      if (store.down) throw new Error("store unreachable");
      return [...versions];
    },
  };
  return store;
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("cachedSecretResolver", () => {
  it("reads a secret once per 5 minutes, not once per container", async () => {
    const store = rotatingStore("old");
    const c = clock();
    const resolve = cachedSecretResolver(store, { now: c.now });
    assert.deepEqual(await resolve("${S}"), ["old"]);
    store.rotate("new");
    c.advance(299_000);
    assert.deepEqual(await resolve("${S}"), ["old"], "within the TTL the cached value is used");
    c.advance(2_000);
    assert.deepEqual(await resolve("${S}"), ["new", "old"], "after 5 minutes the store is read again");
    assert.equal(store.reads, 2);
  });

  it("reads again at once when asked to (a signature did not verify), at most once per refresh interval", async () => {
    const store = rotatingStore("old");
    const c = clock();
    const resolve = cachedSecretResolver(store, { now: c.now });
    await resolve("${S}");
    store.rotate("new");
    assert.deepEqual(await resolve("${S}", { refresh: true }), ["new", "old"]);
    for (let i = 0; i < 50; i++) await resolve("${S}", { refresh: true });
    assert.equal(store.reads, 2, "a flood of bad signatures costs no more reads");
    c.advance(30_000);
    await resolve("${S}", { refresh: true });
    assert.equal(store.reads, 3);
  });

  it("never caches a failure, and keeps values it has when the store is unreachable", async () => {
    const store = rotatingStore("v1");
    const c = clock();
    const resolve = cachedSecretResolver(store, { now: c.now });
    store.down = true;
    await assert.rejects(resolve("${S}"), /unreachable/);
    store.down = false;
    assert.deepEqual(await resolve("${S}"), ["v1"]);
    store.down = true;
    c.advance(301_000);
    assert.deepEqual(await resolve("${S}"), ["v1"], "expired but the store is down: the old value stays");
    assert.deepEqual(await resolve("${S}", { refresh: true }), ["v1"]);
  });

  it("returns a literal secret as written, without reading the store", async () => {
    const store = rotatingStore("x");
    assert.deepEqual(await cachedSecretResolver(store)("literal"), ["literal"]);
    assert.equal(store.reads, 0);
  });
});

describe("verifyEndpoint during a rotation", () => {
  const config = OrchestratorConfig.parse({
    sources: [{ type: "webhook", path: "/hooks/deploy", secret: "${DEPLOY_SECRET}", handler: "h" }],
    handlers: { h: { prompt: "p" } },
  });
  const endpoint = configEndpoints(config).get("/hooks/deploy")!;
  const body = Buffer.from('{"version":"1.2.3"}');
  const signed = (secret: string) => ({ headers: { "x-signature": signHmacSha256(secret, body) }, rawBody: body });
  const opts = { nowMs: 0, toleranceSeconds: 300 };

  it("verifies with the new secret right after the rotation, and still with the previous one", async () => {
    const store = rotatingStore("old-secret");
    const resolve = cachedSecretResolver(store, { now: () => 0 });
    assert.equal((await verifyEndpoint(endpoint, signed("old-secret"), resolve, opts)).ok, true);
    store.rotate("new-secret");
    assert.equal((await verifyEndpoint(endpoint, signed("new-secret"), resolve, opts)).ok, true);
    assert.equal((await verifyEndpoint(endpoint, signed("old-secret"), resolve, opts)).ok, true);
    const forged = await verifyEndpoint(endpoint, signed("not-the-secret"), resolve, opts);
    assert.equal(forged.ok, false);
    assert.equal(!forged.ok && forged.kind, "signature");
  });

  it("answers a bad signature as a bad signature even when the re-read fails", async () => {
    const store = rotatingStore("s");
    const resolve = cachedSecretResolver(store, { now: () => 0 });
    await resolve("${DEPLOY_SECRET}");
    store.down = true;
    const verdict = await verifyEndpoint(endpoint, signed("wrong"), resolve, opts);
    assert.equal(!verdict.ok && verdict.kind, "signature");
  });
});
