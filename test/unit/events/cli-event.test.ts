import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrchestratorConfig } from "../../../shared/config/schema.ts";
import { buildCliEvent, parsePayloadJson } from "../../../shared/events/cli-event.ts";
import { EventError } from "../../../shared/events/errors.ts";
import { routeEvent } from "../../../shared/router/route.ts";
import { githubExample } from "../../fixtures/github.ts";

const now = new Date("2026-02-02T09:00:00.000Z");
const config = OrchestratorConfig.parse({
  sources: [
    { type: "webhook", path: "/hooks/deploy", secret: "s", handler: "deploy" },
    { type: "schedule", name: "weekly", cron: "0 9 * * MON", payload: { repo: "o/r", team: "a" }, handler: "weekly" },
    { type: "schedule", cron: "0 */4 * * *", handler: "health" },
    { type: "git_push", branches: ["master"], handler: "push" },
  ],
  handlers: { deploy: { prompt: "d" }, weekly: { prompt: "w" }, health: { prompt: "h" }, push: { prompt: "p" } },
});

describe("buildCliEvent", () => {
  it("refuses an unknown type and a payload that is not a JSON object", () => {
    assert.throws(
      () => buildCliEvent({ type: "carrier_pigeon", payload: {}, config, now }),
      /unknown event type "carrier_pigeon"; expected one of file_change, git_push/,
    );
    assert.throws(() => parsePayloadJson("[1]"), EventError);
    assert.throws(() => parsePayloadJson("{x"), /--payload is not valid JSON/);
  });

  it("puts a webhook on the only webhook path, with the body-hash id of the typed payload", () => {
    const a = buildCliEvent({ type: "webhook", payload: { v: 1 }, payloadText: '{"v":1}', config, now });
    const b = buildCliEvent({ type: "webhook", payload: { v: 1 }, payloadText: '{"v":1}', config, now });
    assert.equal(a.source, "/hooks/deploy");
    assert.equal(a.id, b.id);
    assert.deepEqual(
      routeEvent(a, config, now).map((j) => j.handler),
      ["deploy"],
    );
    assert.throws(
      () => buildCliEvent({ type: "webhook", payload: {}, source: "/nope", config, now }),
      /no webhook source has the path "\/nope"; webhook paths: \/hooks\/deploy/,
    );
  });

  it("fires a named schedule now, its configured payload under the given one", () => {
    const e = buildCliEvent({ type: "schedule", payload: { team: "b" }, source: "weekly", config, now });
    assert.equal(e.id, `schedule:weekly:${now.toISOString()}`);
    assert.deepEqual(e.payload, { repo: "o/r", team: "b" });
    assert.deepEqual(
      routeEvent(e, config, now).map((j) => j.handler),
      ["weekly"],
    );
    const byHandler = buildCliEvent({ type: "schedule", payload: {}, handler: "health", config, now });
    assert.equal(byHandler.source, "health-schedule-2");
    assert.throws(
      () => buildCliEvent({ type: "schedule", payload: {}, config, now }),
      /several schedules match; pick one with --source NAME: weekly, health-schedule-2/,
    );
  });

  it("normalizes a GitHub-shaped push body like a delivery, without an endpoint path", () => {
    const e = buildCliEvent({ type: "git_push", payload: githubExample("push"), id: "p1", config, now });
    assert.equal(e.payload.branch, "master");
    assert.deepEqual(
      routeEvent(e, config, now).map((j) => j.id),
      ["manual:p1#push"],
    );
    const plain = buildCliEvent({ type: "git_push", payload: { branch: "master" }, config, now });
    assert.deepEqual(
      routeEvent(plain, config, now).map((j) => j.handler),
      ["push"],
    );
  });
});
