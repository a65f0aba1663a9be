export * from "./run-job.ts";
export * from "./retry-policy.ts";
