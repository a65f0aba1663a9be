import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createHookBus } from "../../../shared/hooks/hook-bus.ts";
import { loadHookModules } from "../../../shared/hooks/load-hook-modules.ts";
import { silentLogger } from "../../../shared/logging/logger.ts";
import { testEvent, withTempDir } from "../pipeline/support.ts";

const bot = testEvent("webhook", { bot: true });
const human = testEvent("webhook", { bot: false });

describe("loadHookModules", () => {
  it("loads default-export maps, named `hooks`, factories given their config, .mjs and .ts, relative to the config folder", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "hooks"));
      await writeFile(
        join(dir, "hooks", "filter-bots.mjs"),
        `
export default {
  "event:received": (data) => data.event.payload.bot ? { action: "skip", reason: "Ignoring bot events" } : { action: "continue" },
};
export const hooks = {
  "event:handler:end": (data, ctx) => { globalThis.__evdEnded = (globalThis.__evdEnded ?? []).concat(ctx.event + ":" + data.handler); },
};
`,
      );
      await writeFile(
        join(dir, "hooks", "tag.ts"),
        `
import type { HookData } from "${join(process.cwd(), "shared/hooks/lifecycle.ts")}";
export default (config: { tag: string }) => ({
  "*": (data: HookData) => data.event ? { action: "modify", payload: { ...data.event.payload, tag: config.tag } } : undefined,
});
`,
      );
      const hooks = await loadHookModules(
        ["hooks/filter-bots.mjs", { module: "./hooks/tag.ts", config: { tag: "t1" } }],
        dir,
      );
      assert.equal(hooks.length, 3);
      assert.deepEqual(
        hooks.map((h) => h.name),
        ["hooks/filter-bots.mjs#event:received", "hooks/filter-bots.mjs#event:handler:end", "./hooks/tag.ts#*"],
      );
      const bus = createHookBus(hooks, silentLogger);
      assert.deepEqual(await bus.emit("event:received", { event: bot }), {
        action: "skip",
        reason: "Ignoring bot events",
      });
      assert.deepEqual(await bus.emit("event:received", { event: human }), {
        action: "continue",
        payload: { bot: false, tag: "t1" },
      });
      await bus.emit("event:handler:end", { handler: "review" });
      assert.deepEqual((globalThis as { __evdEnded?: string[] }).__evdEnded, ["event:handler:end:review"]);
    });
  });

  it("names the module and the problem when a module is wrong", async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "typo.mjs"), `export default { "event:recieved": () => undefined };`);
      await writeFile(join(dir, "empty.mjs"), `export const x = 1;`);
      await writeFile(join(dir, "notfn.mjs"), `export const hooks = { "event:queued": 42 };`);
      await assert.rejects(
        loadHookModules(["typo.mjs"], dir),
        /hook module typo\.mjs: "event:recieved" is not a lifecycle event; expected one of event:received, /,
      );
      await assert.rejects(loadHookModules(["empty.mjs"], dir), /hook module empty\.mjs: exports no hooks/);
      await assert.rejects(
        loadHookModules(["notfn.mjs"], dir),
        /hook module notfn\.mjs: "event:queued" must be a function/,
      );
      await assert.rejects(loadHookModules(["missing.mjs"], dir), /hook module missing\.mjs: cannot load /);
    });
  });
});
