export * from "./run-job.ts";
export * from "./settle.ts";
export * from "./lease.ts";
