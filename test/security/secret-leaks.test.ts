/**
 * Secrets in error text (issue 13 item 8). Providers echo credentials in their error bodies
 * (`Incorrect API key provided: sk-...`): before the fix, that text was stored and printed in the
 * daemon's log, `evd daemon history` and `evd dlq list`. A fake OpenAI-compatible API here echoes
 * the key it was sent (and an unconfigured GitHub token): neither may reach the store, the log or
 * any command's output.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, startDaemonProcess, tempDir, writeConfig, type DaemonProcess } from "../e2e/helpers/daemon-process.ts";
import { waitFor } from "../harness/wait-for.ts";

const API_KEY = "live-key-9f8e7d6c5b4a3210";
const STRAY_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

describe("security: secrets never stored or printed", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let api: Server;
  let daemon: DaemonProcess;
  let configPath = "";
  const env = { LEAKY_API_KEY: API_KEY };

  before(async () => {
    tmp = await tempDir("secrets");
    api = createServer((req, res) => {
      const key = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
      req.resume();
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ error: { message: `Incorrect API key provided: ${key}. (also tried ${STRAY_TOKEN})` } }),
      );
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    configPath = await writeConfig(
      tmp.dir,
      "evd.yaml",
      `
sources:
  - type: manual
    handler: ask
handlers:
  ask:
    steps:
      - prompt: "hello"
        provider: leaky
providers:
  leaky:
    kind: openai
    model: gpt-test
    base_url: http://127.0.0.1:${(api.address() as AddressInfo).port}/v1
    api_key: \${LEAKY_API_KEY}
state_file: state/event-state.json
`,
    );
    daemon = await startDaemonProcess({ configPath, env });
  });
  after(async () => {
    await daemon?.stop();
    await new Promise((r) => api.close(r));
    await tmp.cleanup();
  });

  it("scrubs the echoed key from the dead letter, history, the log and the store file", async () => {
    const trigger = await runCli(["daemon", "trigger", "--handler", "ask", "--config", configPath], { env });
    assert.equal(trigger.code, 0, trigger.stderr);
    // A 401 from a provider is permanent: dead-lettered at once.
    const dlq = await waitFor(async () => {
      const r = await runCli(["dlq", "list", "--config", configPath], { env });
      return r.stdout.includes("ask") ? r : undefined;
    }, "the dead-lettered run");
    const history = await runCli(["daemon", "history", "--json", "--config", configPath], { env });
    const status = await daemon.admin.call("GET", "/dlq");
    await daemon.stop();
    const stored = ["evd.db", "evd.db-wal"]
      .map((f) => {
        try {
          return readFileSync(join(daemon.stateDir, f)).toString("latin1");
        } catch {
          return "";
        }
      })
      .join("");
    for (const [where, text] of [
      ["evd dlq list", dlq.stdout],
      ["evd daemon history", history.stdout],
      ["admin API /dlq", JSON.stringify(status)],
      ["daemon log", daemon.stderr()],
      ["store files", stored],
    ] as const) {
      assert.ok(!text.includes(API_KEY), `${where} shows the API key`);
      assert.ok(!text.includes(STRAY_TOKEN), `${where} shows the GitHub token`);
    }
    assert.match(dlq.stdout, /Incorrect API key provided: \[REDACTED\]/);
    assert.match(history.stdout, /\[REDACTED\]/);
  });
});
