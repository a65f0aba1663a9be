export * from "./memory-job-queue.ts";
export * from "./memory-job-store.ts";
export * from "./memory-history-store.ts";
export * from "./memory-last-run-store.ts";
export * from "./memory-secret-store.ts";
