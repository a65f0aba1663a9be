import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { loadConfig } from "../../../../shared/config/load.ts";
import { createHookBus } from "../../../../shared/hooks/hook-bus.ts";
import { loadHookModules } from "../../../../shared/hooks/load-hook-modules.ts";
import type { Event } from "../../../../shared/events/event.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";
import { githubExample } from "../../../fixtures/github.ts";
import { nodeConfigFiles } from "../../../../shared/node/node-config-files.ts";

const exampleDir = fileURLToPath(new URL("../../../../examples/hooks/", import.meta.url));

function event(payload: Record<string, unknown>): Event {
  return { id: "e1", type: "webhook", source: "/hooks/events", payload, timestamp: new Date(0).toISOString() };
}

describe("example hooks (examples/hooks)", () => {
  it("the example config loads with both hook modules", async () => {
    const loaded = await loadConfig({ files: nodeConfigFiles, configPath: `${exampleDir}evd.yaml`, env: {} });
    const hooks = await loadHookModules(loaded.config.hooks, loaded.configDir);
    assert.equal(hooks.length, 2);
  });

  it("skips bot events on event:received: payload.bot and GitHub sender.type Bot", async () => {
    const bus = createHookBus(await loadHookModules(["./skip-bots.mjs"], exampleDir), silentLogger);
    assert.deepEqual(await bus.emit("event:received", { event: event({ bot: true }) }), {
      action: "skip",
      reason: "Ignoring bot events",
    });
    const fromBot = githubExample("pull_request", "opened");
    fromBot.sender = { ...(fromBot.sender as object), type: "Bot", login: "dependabot[bot]" };
    assert.equal((await bus.emit("event:received", { event: event(fromBot) })).action, "skip");
    const human = githubExample("pull_request", "opened");
    assert.equal((human.sender as { type: string }).type, "User");
    assert.deepEqual(await bus.emit("event:received", { event: event(human) }), { action: "continue" });
  });

  it("posts a Slack-style message on event:handler:end, success and failure", async () => {
    const posts: { text: string }[] = [];
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        posts.push(JSON.parse(Buffer.concat(parts).toString("utf8")) as { text: string });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const envName = `EVD_TEST_NOTIFY_URL_${process.pid}`;
    process.env[envName] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack`;
    try {
      const bus = createHookBus(
        await loadHookModules(
          [{ module: "./notify-completion.mjs", config: { url_env: envName, alert_url_env: `${envName}_NONE` } }],
          exampleDir,
        ),
        silentLogger,
      );
      await bus.emit("event:handler:end", {
        handler: "summarize",
        result: { event_id: "e1", success: true, actions_taken: [], output: null, error: null },
      });
      await bus.emit("event:handler:end", {
        handler: "summarize",
        result: { event_id: "e2", success: false, actions_taken: [], output: null, error: "provider down" },
      });
    } finally {
      delete process.env[envName];
      await new Promise((r) => server.close(r));
    }
    assert.deepEqual(
      posts.map((p) => p.text),
      ["Handler summarize completed successfully", "Handler summarize failed: provider down"],
    );
  });
});
