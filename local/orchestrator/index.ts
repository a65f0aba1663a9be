/**
 * `import { createOrchestrator } from "loop-event-driven"`: the library API (the spec's
 * EventDrivenOrchestrator) and the types a program needs with it. See create-orchestrator.ts and
 * examples/library/.
 */
export {
  createOrchestrator,
  type Orchestrator,
  type OrchestratorOptions,
  type StartOptions,
} from "./create-orchestrator.ts";
export { EventType, RunStatus, type Event, type EventResult } from "../../shared/events/event.ts";
export { manualEvent, type ManualEventInput } from "../../shared/events/manual-event.ts";
export { ConfigError, type ConfigIssue } from "../../shared/config/errors.ts";
export type {
  OrchestratorConfig,
  OrchestratorConfigInput,
  SourceConfig,
  SourceType,
} from "../../shared/config/schema.ts";
export type { RunningDaemon } from "../daemon/daemon.ts";
export type { Provider, CompletionRequest, CompletionResponse } from "../../shared/providers/provider.ts";
