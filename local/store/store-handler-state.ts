/**
 * The embedded store as the HandlerStateStore port: one `handler_state` row per `<handler>:<key>`
 * (handler names hold no `:`), which `evd daemon state --json` exports as the spec's handler_state.
 */
import type { HandlerStateStore } from "../../shared/ports/handler-state-store.ts";
import type { LocalStore } from "./local-store.ts";

export function storeHandlerState(store: Pick<LocalStore, "getHandlerState" | "setHandlerState">): HandlerStateStore {
  return {
    async get(handler, key) {
      return store.getHandlerState(`${handler}:${key}`);
    },
    set(handler, key, value) {
      return store.setHandlerState(`${handler}:${key}`, value);
    },
  };
}
