/**
 * The library API, runnable: `node --import tsx examples/library/run.ts` (or `npm run example:library`).
 * A program builds an orchestrator from an inline config, registers a source, handles one event
 * directly, then starts the daemon, sends it a webhook, reads the run from its history and stops.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOrchestrator, manualEvent, type EventResult } from "loop-event-driven";

const stateDir = mkdtempSync(join(tmpdir(), "evd-library-"));
try {
  const orchestrator = await createOrchestrator({
    config: {
      handlers: {
        greet: { prompt: "Say hello to {payload.name}" },
        "on-deploy": { prompt: "Release notes for {payload.version} in {payload.environment}" },
      },
      webhook_port: 0,
      state_file: join(stateDir, "event-state.json"),
    },
  });

  // register_source: a manual source for `greet`, a webhook for `on-deploy`.
  orchestrator.registerSource("manual", {}, "greet");
  orchestrator.registerSource("webhook", { path: "/hooks/deploy", signature: "none" }, "on-deploy");

  // handle_event: one event through one handler, now.
  const greeting: EventResult = await orchestrator.handleEvent(
    manualEvent({ payload: { name: "Ada" }, now: new Date() }),
    "greet",
  );
  console.log("handleEvent ->", JSON.stringify(greeting.output));

  // start: the daemon (webhook server, queue, worker); a webhook as any caller would send it.
  const daemon = await orchestrator.start({ print: () => {} });
  const res = await fetch(`${daemon.webhook!.url}/hooks/deploy`, {
    method: "POST",
    body: JSON.stringify({ environment: "production", version: "1.2.3" }),
  });
  console.log("webhook ->", res.status, await res.text());
  let run: EventResult | undefined;
  for (let i = 0; i < 200 && !run; i++) {
    run = (await daemon.history({ handler: "on-deploy" }))[0];
    if (!run) await new Promise((r) => setTimeout(r, 50));
  }
  console.log("daemon ran ->", JSON.stringify(run?.output));

  // stop: graceful.
  await orchestrator.stop();
  console.log("stopped");
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
