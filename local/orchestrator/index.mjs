// The package's entry (`import { createOrchestrator } from "loop-event-driven"`): the TypeScript
// sources load through tsx, as the `evd` CLI does, so there is no build step.
import { register } from "tsx/esm/api";

register();
const api = await import("./index.ts");

export const createOrchestrator = api.createOrchestrator;
export const EventType = api.EventType;
export const RunStatus = api.RunStatus;
export const manualEvent = api.manualEvent;
export const ConfigError = api.ConfigError;
