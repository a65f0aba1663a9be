/**
 * The hook bus. Every emitted lifecycle event is logged as one structured JSON line (ids, handler,
 * reason, error: never the payload), then the hooks run in order:
 * - `skip` or `deny` (Amplifier's word) wins at once with its reason; later hooks do not run.
 * - `modify` replaces the event payload; the next hook sees the modified event, so modifications
 *   chain in order, and the final payload is returned in the decision.
 * - `continue`, or returning nothing, lets the event through.
 * - A hook that throws (or answers something else) is logged at error level as
 *   `{"lifecycle":"source:error","hook":...}` and does NOT block the event: a broken notification
 *   hook must not stop the pipeline. Use `skip` to block.
 */
import type { Logger, LogLevel } from "../logging/logger.ts";
import { LifecycleEvent, type HookBus, type HookData, type HookDecision, type HookFn } from "./lifecycle.ts";

const LEVEL: Partial<Record<LifecycleEvent, LogLevel>> = {
  [LifecycleEvent.DROPPED]: "warn",
  [LifecycleEvent.SOURCE_ERROR]: "error",
};

function logFields(event: LifecycleEvent, data: HookData): Record<string, unknown> {
  const fields: Record<string, unknown> = { lifecycle: event };
  if (data.event) {
    fields.event_id = data.event.id;
    fields.event_type = data.event.type;
    fields.event_source = data.event.source;
  }
  for (const key of ["handler", "job_id", "source", "reason", "error"] as const) {
    if (data[key] !== undefined) fields[key] = data[key];
  }
  if (data.result) {
    fields.success = data.result.success;
    if (data.result.status) fields.status = data.result.status;
    if (data.result.error) fields.error = data.result.error;
    if (data.result.duration_ms !== undefined) fields.duration_ms = data.result.duration_ms;
  }
  return fields;
}

function hookName(hook: HookFn, index: number): string {
  return hook.name && hook.name !== "anonymous" ? hook.name : `hook[${index}]`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function createHookBus(hooks: readonly HookFn[], logger: Logger): HookBus {
  return {
    async emit(event, data) {
      const fields = logFields(event, data);
      logger.log(LEVEL[event] ?? "info", event, fields);
      let current = data;
      let payload: Record<string, unknown> | undefined;
      for (const [index, hook] of hooks.entries()) {
        const name = hookName(hook, index);
        let result: unknown;
        try {
          result = await hook(event, current);
        } catch (error) {
          logger.log("error", "hook failed; the event goes on", {
            ...fields,
            lifecycle: LifecycleEvent.SOURCE_ERROR,
            during: event,
            hook: name,
            error: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        if (result === undefined || result === null) continue;
        const action = isRecord(result) ? result.action : undefined;
        if (action === "continue") continue;
        if (action === "skip" || action === "deny") {
          const reason =
            isRecord(result) && typeof result.reason === "string" && result.reason !== ""
              ? result.reason
              : `skipped by hook ${name}`;
          logger.log("info", "hook skipped the event", { ...fields, hook: name, action, reason });
          return { action: "skip", reason } satisfies HookDecision;
        }
        if (action === "modify" && isRecord(result) && isRecord(result.payload)) {
          payload = result.payload;
          current = { ...current, ...(current.event ? { event: { ...current.event, payload } } : {}) };
          logger.log("info", "hook modified the payload", { ...fields, hook: name });
          continue;
        }
        logger.log("error", "hook answered something that is not a hook result; ignored", {
          ...fields,
          lifecycle: LifecycleEvent.SOURCE_ERROR,
          during: event,
          hook: name,
          answer: JSON.stringify(result)?.slice(0, 200),
        });
      }
      return payload ? { action: "continue", payload } : { action: "continue" };
    },
  };
}
