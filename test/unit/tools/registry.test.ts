import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TOOL_ACTIONS } from "../../../shared/tools/catalog.ts";
import { createToolRegistry, filesystemRootOf } from "../../../shared/tools/registry.ts";
import { mapSecrets } from "../pipeline/support.ts";

describe("tool registry", () => {
  const registry = createToolRegistry({}, { secrets: mapSecrets({}), baseDir: "/cfg" });

  it("implements exactly the catalog's tools and actions", () => {
    for (const [tool, actions] of Object.entries(TOOL_ACTIONS)) {
      for (const action of actions) assert.equal(registry.get(tool, action).name, tool);
    }
  });

  it("refuses unknown tools and actions with the known ones listed", () => {
    assert.throws(() => registry.get("tool-shell", "run"), /unknown tool "tool-shell"; known tools: tool-filesystem, /);
    assert.throws(
      () => registry.get("tool-filesystem", "delete"),
      /tool "tool-filesystem" has no action "delete"; its actions: read, write, list, append/,
    );
  });

  it("resolves the filesystem root against the config folder", () => {
    assert.equal(filesystemRootOf({}, "/cfg"), "/cfg");
    assert.equal(filesystemRootOf({ "tool-filesystem": { root: "out" } }, "/cfg"), "/cfg/out");
    assert.equal(filesystemRootOf({ "tool-filesystem": { root: "/srv/data" } }, "/cfg"), "/srv/data");
  });

  it("resolves secret references at use, with a clear error when missing", async () => {
    const slack = createToolRegistry(
      { "tool-slack": { webhook_url: "${SLACK_URL}" } },
      { secrets: mapSecrets({}), baseDir: "/cfg" },
    ).get("tool-slack", "post");
    await assert.rejects(
      slack.run("post", { text: "x" }, { handler: "h" }),
      /tools.tool-slack.webhook_url could not be resolved: secret SLACK_URL is not set/,
    );
  });
});
