/** What the tools leave behind for loop detection: tool-github's marker, tool-http's causation header. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_COMMENT_MARKER } from "../../../shared/config/guardrails-schema.ts";
import { withCausation } from "../../../shared/guardrails/causation.ts";
import { githubTool } from "../../../shared/tools/github.ts";
import { httpTool } from "../../../shared/tools/http.ts";
import { json, startServer, testEvent, type TestServer } from "../pipeline/support.ts";

let server: TestServer;
before(async () => {
  server = await startServer((req, res) => {
    if (req.url === "/repos/octo/hello/issues/7/comments") json(res, 201, { id: 1, html_url: "u" });
    else json(res, 200, { ok: true });
  });
});
after(() => server.close());

describe("tools and loop detection", () => {
  it("tool-github ends every comment with the marker (once), so GitHub's comment events come back recognisable", async () => {
    const tool = githubTool({
      baseUrl: server.url,
      token: async () => "t",
      fetch,
      commentMarker: DEFAULT_COMMENT_MARKER,
    });
    const event = testEvent("git_pr", { repo: "octo/hello", number: 7 });
    await tool.run("post_pr_comment", { body: "LGTM" }, { handler: "h", event });
    await tool.run("post_pr_comment", { body: `Again ${DEFAULT_COMMENT_MARKER}` }, { handler: "h", event });
    const [first, second] = server.requests.slice(-2).map((r) => (JSON.parse(r.body) as { body: string }).body);
    assert.equal(first, `LGTM\n\n${DEFAULT_COMMENT_MARKER}`);
    assert.equal(second, `Again ${DEFAULT_COMMENT_MARKER}`);
  });

  it("tool-http tells the receiver the event it makes is one link deeper in the chain", async () => {
    const tool = httpTool({ allowHosts: [new URL(server.url).host], timeoutMs: 5000, fetch });
    const event = withCausation(testEvent("webhook", {}), { depth: 2, caused_by: "earlier" });
    await tool.run("request", { url: `${server.url}/hook`, method: "POST", body: {} }, { handler: "h", event });
    assert.equal(server.requests.at(-1)!.headers["evd-causation"], `3; ${event.id}`);
  });
});
