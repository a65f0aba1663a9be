/** tool-http, tool-slack and tool-github against local HTTP servers. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Event } from "../../../shared/events/event.ts";
import { ToolError } from "../../../shared/tools/errors.ts";
import { githubTool } from "../../../shared/tools/github.ts";
import { nodeResolveHost } from "../../../shared/node/node-resolve-host.ts";
import { hostAllowed, httpTool } from "../../../shared/tools/http.ts";
import { slackTool } from "../../../shared/tools/slack.ts";
import { json, startServer, testEvent, type TestServer } from "../pipeline/support.ts";

let server: TestServer;
before(async () => {
  server = await startServer((req, res) => {
    if (req.url === "/big") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("x".repeat(2048));
    } else if (req.url === "/redirect") {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data" });
      res.end();
    } else if (req.url === "/text") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("plain");
    } else if (req.url.startsWith("/slack/fail")) {
      res.writeHead(500);
      res.end("invalid_payload");
    } else if (req.url.startsWith("/slack")) {
      res.writeHead(200);
      res.end("ok");
    } else if (req.url === "/repos/octo/hello/pulls/7") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("diff --git a/f b/f\n");
    } else if (req.url === "/repos/octo/hello/issues/7/comments") {
      json(res, 201, { id: 1, html_url: "https://github.test/octo/hello/pull/7#c1" });
    } else if (req.url.startsWith("/repos/")) {
      json(res, 404, { message: "Not Found" });
    } else {
      json(res, 200, { method: req.method, url: req.url, body: req.body });
    }
  });
});
after(() => server.close());

const host = (): string => new URL(server.url).host;
const ctx = { handler: "h" };

describe("tool-http", () => {
  it("matches allowlisted hosts exactly, by host:port, or by *.domain", () => {
    assert.equal(hostAllowed(new URL("https://api.example.com/x"), ["api.example.com"]), true);
    // A host without a port means its scheme's default port, not every port.
    assert.equal(hostAllowed(new URL("https://api.example.com:8443/x"), ["api.example.com"]), false);
    assert.equal(hostAllowed(new URL("https://api.example.com:443/x"), ["api.example.com"]), true);
    assert.equal(hostAllowed(new URL("http://api.example.com/x"), ["api.example.com"]), true);
    assert.equal(hostAllowed(new URL("https://api.example.com:8443/x"), ["api.example.com:8443"]), true);
    assert.equal(hostAllowed(new URL("https://a.example.com:8443/x"), ["*.example.com"]), false);
    assert.equal(hostAllowed(new URL("http://[::1]:8080/x"), ["[::1]:8080"]), true);
    assert.equal(hostAllowed(new URL("http://[::1]:8081/x"), ["[::1]:8080"]), false);
    assert.equal(hostAllowed(new URL("https://api.example.com:8443/x"), ["api.example.com:9000"]), false);
    assert.equal(hostAllowed(new URL("https://a.b.example.com/x"), ["*.example.com"]), true);
    assert.equal(hostAllowed(new URL("https://example.com.evil.test/x"), ["example.com"]), false);
    assert.equal(hostAllowed(new URL("https://evilexample.com/x"), ["*.example.com"]), false);
    assert.equal(hostAllowed(new URL("https://example.com/x"), []), false);
  });

  it("sends requests to allowed hosts and parses JSON answers", async () => {
    const tool = httpTool({ allowHosts: [host()], timeoutMs: 5000, fetch, resolveHost: nodeResolveHost });
    const out = await tool.run("request", { url: `${server.url}/echo`, method: "post", body: { a: 1 } }, ctx);
    assert.deepEqual(out.output, {
      status: 200,
      headers: (out.output as { headers: Record<string, string> }).headers,
      body: { method: "POST", url: "/echo", body: '{"a":1}' },
    });
    assert.equal(out.target, `POST ${host()}/echo`);
    assert.equal(
      ((await tool.run("request", { url: `${server.url}/text` }, ctx)).output as { body: unknown }).body,
      "plain",
    );
  });

  it("refuses other hosts, bad URLs, big responses, and does not follow redirects", async () => {
    const tool = httpTool({
      allowHosts: [host()],
      timeoutMs: 5000,
      fetch,
      maxBytes: 1024,
      resolveHost: nodeResolveHost,
    });
    await assert.rejects(
      tool.run("request", { url: "http://localhost:1/x" }, ctx),
      (e: unknown) =>
        e instanceof ToolError &&
        e.permanent &&
        /host "localhost:1" is not in tools.tool-http.allow_hosts/.test(e.message),
    );
    await assert.rejects(tool.run("request", { url: "file:///etc/passwd" }, ctx), /must be http or https/);
    await assert.rejects(tool.run("request", { url: "not a url" }, ctx), /is not a URL/);
    await assert.rejects(tool.run("request", { url: `${server.url}/big` }, ctx), /larger than 1024 bytes/);
    const redirect = await tool.run("request", { url: `${server.url}/redirect` }, ctx);
    assert.equal((redirect.output as { status: number }).status, 302);
  });

  it("refuses a listed NAME that resolves to a loopback, link-local or private address unless the address is listed", async () => {
    const port = new URL(server.url).port;
    const answers: Record<string, string[]> = {
      "internal.example.test": ["10.1.2.3"],
      "metadata.example.test": ["169.254.169.254"],
      "loop.example.test": ["127.0.0.1"],
      "v6.example.test": ["fe80::1"],
      "mapped.example.test": ["::ffff:192.168.1.1"],
      "public.example.test": ["93.184.216.34"],
    };
    let asked = 0;
    const resolveHost = async (name: string) => {
      asked += 1;
      return answers[name] ?? [];
    };
    const names = Object.keys(answers).map((n) => `${n}:${port}`);
    const tool = httpTool({ allowHosts: [...names, "*.wild.test"], timeoutMs: 5000, fetch, resolveHost });
    for (const name of ["internal", "metadata", "loop", "v6", "mapped"]) {
      await assert.rejects(
        tool.run("request", { url: `http://${name}.example.test:${port}/x` }, ctx),
        (e: unknown) =>
          e instanceof ToolError &&
          e.permanent &&
          /resolves to .*loopback, link-local or private address/.test(e.message),
        name,
      );
    }
    answers["sub.wild.test"] = ["192.168.0.10"];
    await assert.rejects(tool.run("request", { url: "https://sub.wild.test/x" }, ctx), /private address/);
    // Listed by address: allowed, and no look-up is needed.
    const before = asked;
    const byAddress = httpTool({ allowHosts: [host()], timeoutMs: 5000, fetch, resolveHost });
    assert.equal(
      ((await byAddress.run("request", { url: `${server.url}/text` }, ctx)).output as { status: number }).status,
      200,
    );
    assert.equal(asked, before);
  });
});

describe("tool-slack", () => {
  it("posts {text, channel} to the webhook; `message` and the previous output work as text", async () => {
    const tool = slackTool({ webhookUrl: async () => `${server.url}/slack/hook`, fetch });
    const before = server.requests.length;
    await tool.run("post", { message: "hello", channel: "#team" }, ctx);
    await tool.run("post", {}, { ...ctx, previousOutput: "from the model" });
    const sent = server.requests.slice(before);
    assert.deepEqual(
      sent.map((r) => JSON.parse(r.body) as unknown),
      [{ text: "hello", channel: "#team" }, { text: "from the model" }],
    );
    assert.equal(sent[0]!.headers["content-type"], "application/json");
  });

  it("fails clearly without a webhook URL, without text, or when Slack refuses, never showing the URL", async () => {
    await assert.rejects(
      slackTool({ webhookUrl: async () => undefined, fetch }).run("post", { text: "x" }, ctx),
      /tools.tool-slack.webhook_url is not configured/,
    );
    await assert.rejects(
      slackTool({ webhookUrl: async () => `${server.url}/slack`, fetch }).run("post", {}, ctx),
      /nothing to post/,
    );
    await assert.rejects(
      slackTool({ webhookUrl: async () => `${server.url}/slack/fail/T000/SECRETPART`, fetch }).run(
        "post",
        { text: "x" },
        ctx,
      ),
      (e: unknown) => {
        assert.ok(e instanceof ToolError && !e.permanent);
        assert.match(e.message, /HTTP 500: invalid_payload/);
        assert.doesNotMatch(e.message, /SECRETPART/);
        return true;
      },
    );
  });
});

describe("tool-github", () => {
  const event: Event = testEvent("git_pr", { repo: "octo/hello", number: 7 });

  it("fetches a PR diff and posts a comment, defaulting repo and number to the event", async () => {
    const tool = githubTool({ baseUrl: server.url, token: async () => "ghp_x", fetch });
    const before = server.requests.length;
    const diff = await tool.run("get_pr_diff", {}, { ...ctx, event });
    assert.deepEqual(diff, { output: "diff --git a/f b/f\n", target: "octo/hello#7" });
    const posted = await tool.run("post_pr_comment", {}, { ...ctx, event, previousOutput: "LGTM" });
    assert.deepEqual(posted.output, { id: 1, url: "https://github.test/octo/hello/pull/7#c1", updated: false });
    const [get, post] = server.requests.slice(before);
    assert.equal(get!.headers.accept, "application/vnd.github.diff");
    assert.equal(get!.headers.authorization, "Bearer ghp_x");
    assert.equal(get!.headers["user-agent"], "loop-event-driven");
    assert.deepEqual(JSON.parse(post!.body), { body: "LGTM" });
  });

  it("validates repo and number, and reports 404 as permanent", async () => {
    const tool = githubTool({ baseUrl: server.url, token: async () => undefined, fetch });
    await assert.rejects(
      tool.run("get_pr_diff", { repo: "../../etc", number: 1 }, ctx),
      /`repo` must be "owner\/name"/,
    );
    await assert.rejects(
      tool.run("get_pr_diff", { repo: "octo/hello" }, ctx),
      /`number` must be a pull request number \(the event has none\)/,
    );
    await assert.rejects(
      tool.run("get_pr_diff", { repo: "octo/hello", number: 8 }, ctx),
      (e: unknown) => e instanceof ToolError && e.permanent && /HTTP 404/.test(e.message),
    );
  });
});
