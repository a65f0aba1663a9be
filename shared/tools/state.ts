/**
 * tool-state: the handler's own durable state (the spec's `handler_state`), per handler and key.
 *   get  `key` [`initial`]   -> the stored value, else `initial`, else null
 *   set  `key` [`value`]     -> stores `value` (default: the previous step's output); `value: null` deletes
 * A handler reads and writes only its own keys. Values are JSON, at most 64 KiB each.
 */
import type { HandlerStateStore } from "../ports/handler-state-store.ts";
import { badArgument, ToolError } from "./errors.ts";
import type { Tool } from "./tool.ts";

const NAME = "tool-state";
export const MAX_STATE_VALUE_BYTES = 64 * 1024;
const KEY = /^[A-Za-z0-9][\w.-]{0,127}$/;

function keyOf(action: string, args: Record<string, unknown>): string {
  const key = args.key;
  if (typeof key !== "string" || !KEY.test(key))
    throw badArgument(
      NAME,
      action,
      `\`key\` must be a name of letters, digits, ".", "_" or "-" (at most 128); got ${JSON.stringify(key) ?? "nothing"}`,
    );
  return key;
}

/** `store` undefined: where no state store is wired, every call says so. */
export function stateTool(store: HandlerStateStore | undefined): Tool {
  return {
    name: NAME,
    async run(action, args, ctx) {
      const key = keyOf(action, args);
      if (!store) throw new ToolError(`${NAME}: no handler state store is available here`, { permanent: true });
      if (action === "get") {
        const value = await store.get(ctx.handler, key);
        return { output: value ?? args.initial ?? null, target: key };
      }
      if (action !== "set") throw badArgument(NAME, action, "unknown action; expected get or set");
      const value = "value" in args ? args.value : ctx.previousOutput;
      if (value === undefined || value === null) {
        await store.set(ctx.handler, key, undefined);
        return { output: null, target: key };
      }
      const json = JSON.stringify(value);
      if (json === undefined) throw badArgument(NAME, action, "`value` must be JSON (text, number, list, map...)");
      if (Buffer.byteLength(json) > MAX_STATE_VALUE_BYTES)
        throw badArgument(
          NAME,
          action,
          `\`value\` is ${Buffer.byteLength(json)} bytes as JSON, over ${MAX_STATE_VALUE_BYTES}`,
        );
      await store.set(ctx.handler, key, JSON.parse(json) as unknown);
      return { output: value, target: key };
    },
  };
}
