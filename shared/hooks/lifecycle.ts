/** The spec's lifecycle events, and what a hook may answer. */
import type { Event, EventResult } from "../events/event.ts";

export const LifecycleEvent = {
  RECEIVED: "event:received",
  QUEUED: "event:queued",
  HANDLER_START: "event:handler:start",
  HANDLER_END: "event:handler:end",
  DROPPED: "event:dropped",
  SOURCE_STARTED: "source:started",
  SOURCE_STOPPED: "source:stopped",
  SOURCE_ERROR: "source:error",
} as const;
export type LifecycleEvent = (typeof LifecycleEvent)[keyof typeof LifecycleEvent];

/** What a hook is given. Fields present depend on the lifecycle event. */
export interface HookData {
  readonly event?: Event;
  readonly handler?: string;
  readonly job_id?: string;
  readonly result?: EventResult;
  readonly source?: string;
  readonly reason?: string;
  readonly error?: string;
  readonly [extra: string]: unknown;
}

/**
 * A hook's answer. `skip` is the spec's word, `deny` Amplifier's for the same thing.
 * `modify` replaces the event payload (only meaningful on event:received).
 */
export type HookResult =
  | { readonly action: "continue" }
  | { readonly action: "skip" | "deny"; readonly reason?: string }
  | { readonly action: "modify"; readonly payload: Record<string, unknown> };

/** The combined decision after all hooks ran: deny/skip wins, modifications chain in order. */
export type HookDecision =
  | { readonly action: "continue"; readonly payload?: Record<string, unknown> }
  | { readonly action: "skip"; readonly reason: string };

export type HookFn = (event: LifecycleEvent, data: HookData) => HookResult | void | Promise<HookResult | void>;

/** Emits lifecycle events to hooks and to the structured log. */
export interface HookBus {
  emit(event: LifecycleEvent, data: HookData): Promise<HookDecision>;
}
