export * from "./event.ts";
export * from "./event-id.ts";
export * from "./errors.ts";
export * from "./github.ts";
export * from "./schedule-event.ts";
export * from "./file-change-event.ts";
export * from "./manual-event.ts";
export * from "./webhook-event.ts";
