export * from "./ingest.ts";
export { configEndpoints, ingestBodyLimit, EndpointKind, DEFAULT_GITHUB_SECRET } from "./endpoints.ts";
export type { Endpoint, GuardedSource } from "./endpoints.ts";
export { IngestErrorCode } from "./response.ts";
