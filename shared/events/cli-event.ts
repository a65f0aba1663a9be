/**
 * One event from a command line (`evd event --type T --payload JSON [--source S] [--id ID]`),
 * built the way its real source would build it, so it routes like the real thing:
 *   manual, custom   -> a manual event (fresh UUID unless --id)
 * An id the command line gives (`--id`) or makes up is always `manual:<id>` (event-id.ts), whatever
 * the type: it must not pose as a delivery, a schedule slot or a file change set.
 *   webhook          -> a webhook event on the webhook source's path (`--source PATH`, or the config's
 *                       only webhook source); id = the body hash unless --id
 *   schedule         -> a schedule firing now (`--source NAME`, or the config's only schedule for
 *                       the handler / in the config), its configured payload merged under the given one
 *   git_push, git_pr -> a GitHub body (`ref` / `pull_request`) is normalized as GitHub's would be;
 *                       otherwise the payload is taken as already normalized (`branch`, `action`...)
 *   file_change      -> `payload.files` (paths) or `payload.changes`, for the watcher `--source NAME` or all
 */
import type { OrchestratorConfig } from "../config/schema.ts";
import { sourceName } from "../config/source-name.ts";
import { EventError } from "./errors.ts";
import { manualEventId } from "./event-id.ts";
import { EVENT_TYPES, EventType, type Event } from "./event.ts";
import { normalizeGithubDelivery } from "./github.ts";
import { manualEvent } from "./manual-event.ts";
import { scheduleEvent } from "./schedule-event.ts";
import { webhookEvent } from "./webhook-event.ts";

export interface CliEventInput {
  readonly type: string;
  readonly payload: Record<string, unknown>;
  /** The payload as typed (its bytes make a webhook's body-hash id). */
  readonly payloadText?: string;
  readonly id?: string;
  readonly source?: string;
  readonly handler?: string;
  readonly config: OrchestratorConfig;
  readonly now: Date;
}

export function parseEventType(type: string): EventType {
  if (!(EVENT_TYPES as readonly string[]).includes(type))
    throw new EventError(`unknown event type "${type}"; expected one of ${EVENT_TYPES.join(", ")}`);
  return type as EventType;
}

export function parsePayloadJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new EventError(`--payload is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new EventError("--payload must be a JSON object");
  return value as Record<string, unknown>;
}

export function buildCliEvent(input: CliEventInput): Event {
  const type = parseEventType(input.type);
  const { payload, now, id } = input;
  switch (type) {
    case EventType.MANUAL:
    case EventType.CUSTOM:
      return manualEvent({
        type,
        payload,
        now,
        ...(id !== undefined ? { id } : {}),
        ...(input.source !== undefined ? { source: input.source } : {}),
      });
    case EventType.WEBHOOK: {
      const path = pickWebhookPath(input);
      if (id !== undefined) return manualEvent({ type, payload, now, id, source: path });
      return webhookEvent({
        path,
        headers: {},
        rawBody: Buffer.from(input.payloadText ?? JSON.stringify(payload)),
        payload,
        receivedAt: now,
      });
    }
    case EventType.SCHEDULE: {
      const { name, defaults } = pickSchedule(input);
      const event = scheduleEvent(name, now, { ...defaults, ...payload });
      return id !== undefined ? { ...event, id: manualEventId(id) } : event;
    }
    case EventType.GIT_PUSH:
    case EventType.GIT_PR: {
      const githubShaped =
        type === EventType.GIT_PUSH ? typeof payload.ref === "string" : typeof payload.pull_request === "object";
      const eventId = manualEventId(id);
      if (githubShaped) {
        const e = normalizeGithubDelivery({
          eventName: type === EventType.GIT_PUSH ? "push" : "pull_request",
          deliveryId: eventId,
          payload,
          receivedAt: now,
          path: "cli",
        });
        return {
          ...e,
          id: eventId,
          source: input.source ?? "cli",
          metadata: { github_event: e.payload.github_event, trigger: "cli" },
        };
      }
      return {
        id: eventId,
        type,
        source: input.source ?? "cli",
        payload,
        timestamp: now.toISOString(),
        metadata: { trigger: "cli" },
      };
    }
    case EventType.FILE_CHANGE:
      return {
        id: manualEventId(id),
        type,
        source: input.source ?? "cli",
        payload,
        timestamp: now.toISOString(),
        metadata: { trigger: "cli" },
      };
  }
}

function pickWebhookPath(input: CliEventInput): string {
  const paths = [...new Set(input.config.sources.filter((s) => s.type === "webhook").map((s) => s.path))];
  if (input.source !== undefined) {
    if (!input.source.startsWith("/"))
      throw new EventError(`--source for a webhook is its path (starting with "/"), got "${input.source}"`);
    if (input.handler === undefined && !paths.includes(input.source)) {
      throw new EventError(
        `no webhook source has the path "${input.source}"; webhook paths: ${paths.join(", ") || "(none)"}`,
      );
    }
    return input.source;
  }
  if (paths.length === 1) return paths[0]!;
  if (paths.length === 0) {
    if (input.handler !== undefined) return "/cli";
    throw new EventError("the config has no webhook source; give --handler to run a handler directly");
  }
  throw new EventError(`the config has several webhook sources; pick one with --source PATH: ${paths.join(", ")}`);
}

function pickSchedule(input: CliEventInput): { name: string; defaults: Record<string, unknown> } {
  const schedules = input.config.sources
    .map((s, i) => ({ s, name: sourceName(s, i) }))
    .filter((x): x is { s: Extract<typeof x.s, { type: "schedule" }>; name: string } => x.s.type === "schedule");
  if (input.source !== undefined) {
    const found = schedules.find((x) => x.name === input.source);
    if (!found && input.handler === undefined)
      throw new EventError(
        `no schedule named "${input.source}"; schedules: ${schedules.map((x) => x.name).join(", ") || "(none)"}`,
      );
    return { name: input.source, defaults: found?.s.payload ?? {} };
  }
  const candidates = input.handler !== undefined ? schedules.filter((x) => x.s.handler === input.handler) : schedules;
  if (candidates.length === 1) return { name: candidates[0]!.name, defaults: candidates[0]!.s.payload };
  if (candidates.length === 0 && input.handler !== undefined) return { name: `cli-${input.handler}`, defaults: {} };
  if (candidates.length === 0)
    throw new EventError("the config has no schedule source; give --handler to run a handler directly");
  throw new EventError(
    `several schedules match; pick one with --source NAME: ${candidates.map((x) => x.name).join(", ")}`,
  );
}
