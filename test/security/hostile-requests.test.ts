/**
 * A corpus of hostile requests against a running daemon (issue 13): signatures missing, malformed,
 * duplicated or made with the wrong secret; stale and future timestamps; replayed ids and id
 * collisions; smuggling; header floods; invalid UTF-8; deep nesting; huge declared lengths;
 * `Expect` games. Each case asserts the status, the error body, that nothing was enqueued (beyond
 * what a legitimately signed replay may enqueue) and that `/healthz` still answers.
 */
import assert from "node:assert/strict";
import { createHash, createHmac, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { signStandardWebhook } from "../../shared/signatures/sign.ts";
import { githubExample } from "../fixtures/github.ts";
import { rawHttp, requestBytes } from "./helpers/raw-http.ts";
import { SECRETS, startHostileDaemon, type HostileDaemon } from "./helpers/hostile-daemon.ts";
import { waitFor } from "../harness/wait-for.ts";

type Header = readonly [string, string];

interface Case {
  readonly name: string;
  readonly request: () => Buffer;
  readonly status: number;
  /** The JSON `error` code of the answer. */
  readonly error?: string;
  readonly message?: RegExp;
  /** Jobs a legitimately signed request may add (a first delivery of a replay pair). @default 0 */
  readonly enqueued?: number;
  /** For accepted answers: the JSON `status`. */
  readonly answer?: string;
}

const hmac = (secret: string, body: Buffer | string) => createHmac("sha256", secret).update(body).digest("hex");
const PUSH = JSON.stringify(githubExample("push"));
const nowSeconds = () => Math.floor(Date.now() / 1000);

function github(opts: {
  body?: Buffer | string;
  signature?: string | null;
  extra?: Header[];
  event?: string | null;
  delivery?: string | null;
  contentType?: string;
}): Buffer {
  const body = opts.body ?? PUSH;
  const headers: Header[] = [["Content-Type", opts.contentType ?? "application/json"]];
  if (opts.event !== null) headers.push(["X-GitHub-Event", opts.event ?? "push"]);
  if (opts.delivery !== null) headers.push(["X-GitHub-Delivery", opts.delivery ?? randomUUID()]);
  if (opts.signature !== null)
    headers.push(["X-Hub-Signature-256", opts.signature ?? `sha256=${hmac(SECRETS.GH_SECRET, body)}`]);
  return requestBytes({ path: "/github", headers: [...headers, ...(opts.extra ?? [])], body });
}

function deploy(opts: { body?: Buffer | string; signature?: string | null; extra?: Header[]; path?: string }): Buffer {
  const body = opts.body ?? `{"version":"${randomUUID()}"}`;
  const headers: Header[] = [["Content-Type", "application/json"]];
  if (opts.signature !== null)
    headers.push(["X-Signature", opts.signature ?? `sha256=${hmac(SECRETS.DEPLOY_SECRET, body)}`]);
  return requestBytes({ path: opts.path ?? "/hooks/deploy", headers: [...headers, ...(opts.extra ?? [])], body });
}

function standard(opts: {
  body?: string;
  id?: string | null;
  signedId?: string;
  timestamp?: string | null;
  signature?: string | null;
  secret?: string;
}): Buffer {
  const body = opts.body ?? `{"n":"${randomUUID()}"}`;
  const id = opts.id === undefined ? `msg_${randomUUID()}` : opts.id;
  const ts = opts.timestamp === undefined ? String(nowSeconds()) : opts.timestamp;
  const headers: Header[] = [["Content-Type", "application/json"]];
  if (id !== null) headers.push(["webhook-id", id]);
  if (ts !== null) headers.push(["webhook-timestamp", ts]);
  if (opts.signature !== null)
    headers.push([
      "webhook-signature",
      opts.signature ??
        signStandardWebhook(opts.secret ?? SECRETS.SW_SECRET, opts.signedId ?? id ?? "", Number(ts ?? 0), body),
    ]);
  return requestBytes({ path: "/hooks/sw", headers, body });
}

const deepJson = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]);
const raw = (text: string) => () => Buffer.from(text, "latin1");

// One captured, validly signed delivery and one signed deploy body, each sent twice (replays).
const replayedDelivery = github({ delivery: "replayed-delivery-1" });
const replayedDeploy = deploy({ body: '{"version":"replayed"}' });
const replayedSw = standard({ id: "msg_replayed", body: '{"n":"replayed"}' });

const CASES: readonly Case[] = [
  // --- GitHub endpoint: signatures -------------------------------------------------------------
  {
    name: "GitHub: no signature header",
    request: () => github({ signature: null }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: empty signature",
    request: () => github({ signature: "" }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: malformed signature",
    request: () => github({ signature: "sha256=zz-not-hex" }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: sha1 prefix",
    request: () => github({ signature: `sha1=${hmac(SECRETS.GH_SECRET, PUSH).slice(0, 40)}` }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: no algorithm prefix",
    request: () => github({ signature: hmac(SECRETS.GH_SECRET, PUSH) }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: wrong secret",
    request: () => github({ signature: `sha256=${hmac("not-the-secret", PUSH)}` }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: signature of another body",
    request: () => github({ signature: `sha256=${hmac(SECRETS.GH_SECRET, "{}")}` }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: truncated signature",
    request: () => github({ signature: `sha256=${hmac(SECRETS.GH_SECRET, PUSH).slice(0, 63)}` }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: signature with trailing junk",
    request: () => github({ signature: `sha256=${hmac(SECRETS.GH_SECRET, PUSH)}00` }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: duplicate signature headers (valid + invalid)",
    request: () => github({ extra: [["X-Hub-Signature-256", "sha256=00"]] }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "GitHub: only the legacy sha1 header",
    request: () =>
      github({
        signature: null,
        extra: [["X-Hub-Signature", `sha1=${createHmac("sha1", SECRETS.GH_SECRET).update(PUSH).digest("hex")}`]],
      }),
    status: 401,
    error: "invalid_signature",
  },
  // --- GitHub endpoint: headers and bodies (validly signed) ------------------------------------
  {
    name: "GitHub: missing X-GitHub-Event",
    request: () => github({ event: null }),
    status: 400,
    error: "missing_header",
    message: /X-GitHub-Event/,
  },
  {
    name: "GitHub: missing X-GitHub-Delivery",
    request: () => github({ delivery: null }),
    status: 400,
    error: "missing_header",
    message: /X-GitHub-Delivery/,
  },
  {
    name: "GitHub: empty X-GitHub-Delivery",
    request: () => github({ delivery: "" }),
    status: 400,
    error: "missing_header",
  },
  {
    name: "GitHub: invalid JSON",
    request: () => github({ body: '{"ref": ' }),
    status: 400,
    error: "invalid_body",
    message: /not valid JSON/,
  },
  {
    name: "GitHub: JSON array",
    request: () => github({ body: "[1,2]" }),
    status: 400,
    error: "invalid_body",
    message: /must be a JSON object/,
  },
  {
    // GitHub signatures are verified over the body as text: it must be UTF-8 to verify at all.
    name: "GitHub: invalid UTF-8",
    request: () => github({ body: INVALID_UTF8 }),
    status: 401,
    error: "invalid_signature",
    message: /UTF-8/,
  },
  {
    name: "GitHub: 100,000-deep JSON",
    request: () => github({ body: deepJson(100_000) }),
    status: 400,
    error: "invalid_body",
    message: /deeper than 256/,
  },
  {
    name: "GitHub: form body without payload",
    request: () => github({ body: "a=1", contentType: "application/x-www-form-urlencoded" }),
    status: 400,
    error: "invalid_body",
  },
  {
    name: "GitHub: push without ref",
    request: () => github({ body: '{"commits":[]}' }),
    status: 400,
    error: "invalid_event",
  },
  {
    name: "GitHub: GET",
    request: () => requestBytes({ method: "GET", path: "/github", contentLength: false }),
    status: 405,
    error: "method_not_allowed",
  },
  // Replays and id collisions: signed, so accepted, but never confused with another event.
  {
    name: "GitHub: a captured delivery",
    request: () => replayedDelivery,
    status: 202,
    answer: "accepted",
    enqueued: 1,
  },
  { name: "GitHub: the same delivery replayed", request: () => replayedDelivery, status: 202, answer: "duplicate" },
  {
    name: "GitHub: delivery id posing as a schedule slot",
    request: () => github({ delivery: "schedule:nightly:2030-01-01T03:00:00.000Z" }),
    status: 202,
    answer: "accepted",
    enqueued: 1,
  },
  {
    name: "GitHub: delivery id posing as a webhook body hash",
    request: () =>
      github({ delivery: `webhook:/hooks/deploy:sha256:${createHash("sha256").update("{}").digest("hex")}` }),
    status: 202,
    answer: "accepted",
    enqueued: 1,
  },
  {
    name: "GitHub: delivery id posing as a file change set",
    request: () => github({ delivery: `file:${"0".repeat(64)}` }),
    status: 202,
    answer: "accepted",
    enqueued: 1,
  },
  {
    name: "GitHub: delivery id with a job separator",
    request: () => github({ delivery: "x#deploy" }),
    status: 202,
    answer: "accepted",
    enqueued: 1,
  },
  // --- X-Signature webhook ----------------------------------------------------------------------
  {
    name: "webhook: no X-Signature",
    request: () => deploy({ signature: null }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "webhook: signature without sha256= prefix",
    request: () => deploy({ body: "{}", signature: hmac(SECRETS.DEPLOY_SECRET, "{}") }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "webhook: wrong secret",
    request: () => deploy({ body: "{}", signature: `sha256=${hmac("nope", "{}")}` }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "webhook: non-hex signature",
    request: () => deploy({ signature: "sha256=XYZ" }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "webhook: signature of the empty body",
    request: () => deploy({ body: '{"a":1}', signature: `sha256=${hmac(SECRETS.DEPLOY_SECRET, "")}` }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "webhook: duplicate X-Signature headers",
    request: () => deploy({ extra: [["X-Signature", "sha256=00"]] }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "webhook: signed invalid JSON",
    request: () => deploy({ body: "{nope" }),
    status: 400,
    error: "invalid_body",
  },
  {
    name: "webhook: signed invalid UTF-8",
    request: () => deploy({ body: INVALID_UTF8 }),
    status: 400,
    error: "invalid_body",
    message: /UTF-8/,
  },
  {
    name: "webhook: signed 100,000-deep JSON",
    request: () => deploy({ body: deepJson(100_000) }),
    status: 400,
    error: "invalid_body",
    message: /deeper than 256/,
  },
  {
    name: "webhook: signed 300-deep arrays",
    request: () => deploy({ body: `{"a":${"[".repeat(300)}${"]".repeat(300)}}` }),
    status: 400,
    error: "invalid_body",
  },
  { name: "webhook: a captured body", request: () => replayedDeploy, status: 202, answer: "accepted", enqueued: 1 },
  { name: "webhook: the same body replayed", request: () => replayedDeploy, status: 202, answer: "duplicate" },
  {
    name: "webhook: body over the endpoint limit",
    request: () => deploy({ path: "/hooks/small", body: `{"x":"${"a".repeat(2000)}"}` }),
    status: 413,
    error: "body_too_large",
  },
  // --- Standard Webhooks -------------------------------------------------------------------------
  {
    name: "standard: missing webhook-id",
    request: () => standard({ id: null }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "standard: missing webhook-timestamp",
    request: () => standard({ timestamp: null }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "standard: stale timestamp",
    request: () => standard({ timestamp: String(nowSeconds() - 3600) }),
    status: 401,
    error: "invalid_signature",
    message: /too old/,
  },
  {
    name: "standard: future timestamp",
    request: () => standard({ timestamp: String(nowSeconds() + 3600) }),
    status: 401,
    error: "invalid_signature",
    message: /too new|future/,
  },
  {
    name: "standard: non-numeric timestamp",
    request: () => standard({ timestamp: "yesterday" }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "standard: wrong secret",
    request: () => standard({ secret: `whsec_${Buffer.from("another-key-another-key-0123").toString("base64")}` }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "standard: unsupported signature version",
    request: () => standard({ signature: "v2,AAAA" }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "standard: id not the one signed",
    request: () => standard({ id: "msg_other", signedId: "msg_signed" }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "standard: several signatures, all wrong",
    request: () => standard({ signature: "v1,AAAA v1,BBBB v1,CCCC" }),
    status: 401,
    error: "invalid_signature",
  },
  { name: "standard: a captured message", request: () => replayedSw, status: 202, answer: "accepted", enqueued: 1 },
  { name: "standard: the same message replayed", request: () => replayedSw, status: 202, answer: "duplicate" },
  {
    name: "standard: webhook-id posing as a body hash",
    request: () => standard({ id: `sha256:${createHash("sha256").update("{}").digest("hex")}` }),
    status: 202,
    answer: "accepted",
    enqueued: 1,
  },
  // --- HTTP framing: smuggling and malformed requests ---------------------------------------------
  {
    name: "smuggling: Content-Length with Transfer-Encoding",
    request: raw(
      "POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    status: 400,
    error: "bad_request",
  },
  {
    name: "smuggling: two different Content-Lengths",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "smuggling: obfuscated Transfer-Encoding",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "smuggling: Transfer-Encoding chunked, identity",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "smuggling: invalid chunk size",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "malformed: obs-fold header continuation",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nX-Signature: sha256=\r\n 00\r\nContent-Length: 0\r\n\r\n"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "malformed: bare CR inside a header",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nX-A: b\rX-Signature: x\r\nContent-Length: 0\r\n\r\n"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "malformed: NUL in the path",
    request: raw("POST /hooks/deploy\0 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "malformed: invalid method token",
    request: raw("P(ST /hooks/deploy HTTP/1.1\r\nHost: a\r\n\r\n"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "malformed: negative Content-Length",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "malformed: non-numeric Content-Length",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nContent-Length: ten\r\n\r\n"),
    status: 400,
    error: "bad_request",
  },
  {
    name: "malformed: HTTP/1.1 without Host",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
    status: 400,
    error: "missing_host",
  },
  {
    name: "header flood: 20 KiB of headers",
    request: () => deploy({ extra: [["X-Flood", "a".repeat(20_000)]] }),
    status: 431,
    error: "headers_too_large",
  },
  {
    name: "header flood: 1,000 small headers",
    request: () => deploy({ signature: null, extra: Array.from({ length: 1000 }, (_, i): Header => [`X-H${i}`, "1"]) }),
    status: 431,
    error: "headers_too_large",
  },
  {
    name: "invalid bytes in a header value",
    request: () => deploy({ signature: "sha256=\xff\xfe" }),
    status: 401,
    error: "invalid_signature",
  },
  {
    name: "absolute-form target to another host",
    request: () => deploy({ path: "http://evil.example/hooks/deploy" }),
    status: 404,
    error: "not_found",
  },
  {
    name: "path traversal in the target",
    request: () => deploy({ path: "/hooks/x/../deploy" }),
    status: 404,
    error: "not_found",
  },
  // --- Sizes and Expect -----------------------------------------------------------------------------
  {
    name: "huge declared length (1 TB), no body",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000\r\n\r\n"),
    status: 413,
    error: "body_too_large",
  },
  {
    name: "unknown path with a 9 MiB declared body",
    request: raw("POST /nope HTTP/1.1\r\nHost: a\r\nContent-Length: 9437184\r\n\r\nabc"),
    status: 404,
    error: "not_found",
  },
  {
    name: "Expect: 100-continue over the limit",
    request: raw("POST /hooks/small HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n"),
    status: 413,
    error: "body_too_large",
  },
  {
    name: "Expect: 100-continue on an unknown path",
    request: raw("POST /nope HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n"),
    status: 404,
    error: "not_found",
  },
  {
    name: "Expect: something else",
    request: raw("POST /hooks/deploy HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}"),
    status: 417,
    error: "expectation_failed",
  },
  {
    name: "OPTIONS on an endpoint",
    request: () => requestBytes({ method: "OPTIONS", path: "/hooks/deploy" }),
    status: 405,
    error: "method_not_allowed",
  },
  {
    name: "POST /healthz",
    request: () => requestBytes({ path: "/healthz", body: "{}" }),
    status: 405,
    error: "method_not_allowed",
  },
];

describe("security: hostile requests against a running daemon", () => {
  let d: HostileDaemon;
  before(async () => {
    d = await startHostileDaemon("hostile");
  });
  after(() => d.stop());

  it(`the corpus holds at least 60 requests (${CASES.length})`, () => {
    assert.ok(CASES.length >= 60, String(CASES.length));
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, "case names are unique");
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const before = await d.jobs();
      const res = await rawHttp(d.port, c.request(), { expect: 1, timeoutMs: 15_000 });
      assert.ok(res.first, `no answer (closed: ${res.closed}, reset: ${res.reset})`);
      assert.equal(res.first.status, c.status, res.first.body);
      assert.ok(res.first.json, `the answer is JSON: ${res.first.body}`);
      if (c.error !== undefined) {
        assert.equal(res.first.json.error, c.error, res.first.body);
        assert.equal(typeof res.first.json.message, "string");
      }
      if (c.message) assert.match(String(res.first.json.message), c.message);
      if (c.answer) {
        assert.equal(res.first.json.status, c.answer);
        // Whatever id a sender chose, the event lives in its own source's namespace.
        assert.match(String(res.first.json.event_id), /^(github:\/github:|webhook:\/hooks\/)/);
      }
      // A smuggled second request never gets its own answer.
      assert.equal(res.responses.filter((r) => r.status !== 100).length, 1, "exactly one answer");
      assert.equal((await d.jobs()) - before, c.enqueued ?? 0, "jobs enqueued");
      assert.ok(await d.healthy(), "/healthz still answers ok");
    });
  }

  it("ran no handler for any refused request: only the accepted ones left effects", async () => {
    const accepted = CASES.filter((c) => c.answer === "accepted").length;
    const all = await waitFor(() => {
      const n = d.effects("push").length + d.effects("deploy").length + d.effects("sw").length;
      return n >= accepted ? n : undefined;
    }, `${accepted} accepted runs`);
    assert.equal(all, accepted);
  });
});
