/**
 * One OpenTelemetry trace per event:
 *
 *   event <type> <source>          admission (the root: ids derived from the event id, trace-context.ts)
 *   └─ job <handler>               each attempt of each job; status, tokens, cost
 *      ├─ prompt steps[0]          gen_ai.system, gen_ai.request.model, gen_ai.usage.input/output_tokens
 *      ├─ tool-filesystem.write …  evd.tool.action: what it did (`tool-filesystem.write:out/x.md`)
 *      └─ recipe recipes/x         its steps nested under it
 *
 * Built on the OpenTelemetry SDK (BasicTracerProvider), one BatchSpanProcessor per exporter: the
 * daemon's span store (store-span-exporter.ts) and OTLP/HTTP when configured. No global
 * registration and no context manager: parents are passed explicitly, so nothing else in the
 * process is traced by accident.
 */
import { ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace, type Attributes, type Span } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  RandomIdGenerator,
  type IdGenerator,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import type { EventResult, Job, Event } from "../events/event.ts";
import type { PriceTable } from "../guardrails/price-table.ts";
import type { StepObservation, StepObserver, StepStart } from "../pipeline/step-observer.ts";
import type { Clock } from "../ports/clock.ts";
import { ADMISSION_OUTCOME_ATTRIBUTE, EVENT_ID_ATTRIBUTE } from "./span-record.ts";
import { formatTraceparent, parseTraceparent, rootOf, type TraceParent } from "./trace-context.ts";

/** Admission outcomes that record the event (once per event id): their span is the trace's root. */
const ROOT_OUTCOMES: ReadonlySet<string> = new Set(["accepted", "dropped"]);

export interface AdmissionFacts {
  /** The admission outcome: accepted, duplicate, dropped, rejected, skipped, ignored, unavailable. */
  readonly outcome: string;
  readonly source: string;
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
  readonly jobIds?: readonly string[];
  readonly reason?: string;
}

export interface JobTrace {
  /** Sees the job's steps: one span each. */
  readonly observer: StepObserver;
  /** Ends the job's span with its result. */
  end(result: EventResult): void;
}

export interface EventTracer {
  /** The `traceparent` an event's jobs carry: its admission span. */
  traceparentOf(event: Pick<Event, "id">): string;
  admission(event: Event, facts: AdmissionFacts): void;
  /** Starts the span of one attempt of a job. */
  job(job: Job, attempt: number): JobTrace;
  /** Exports what has ended (Lambda: before the invocation returns). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface EventTracerOptions {
  readonly serviceName: string;
  readonly exporters: readonly SpanExporter[];
  readonly clock: Clock;
  /** Prices the cost attribute of job spans. */
  readonly prices?: PriceTable;
  /** Longest wait before ended spans are exported. @default 500 */
  readonly exportDelayMs?: number;
}

/** Random ids, except the ones asked for next (the root span's derived ids). */
class DerivedIdGenerator implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  nextTraceId: string | undefined;
  nextSpanId: string | undefined;
  generateTraceId(): string {
    const id = this.nextTraceId ?? this.#random.generateTraceId();
    this.nextTraceId = undefined;
    return id;
  }
  generateSpanId(): string {
    const id = this.nextSpanId ?? this.#random.generateSpanId();
    this.nextSpanId = undefined;
    return id;
  }
}

function remoteParent(parent: TraceParent) {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

function stepName(start: StepStart): string {
  if (start.kind === "tool") return `${start.tool ?? "tool"}.${start.action ?? "?"} ${start.where}`;
  if (start.kind === "recipe") return `recipe ${start.recipe ?? ""} ${start.where}`.replace(/\s+/g, " ");
  return `prompt ${start.where}`;
}

export function createEventTracer(options: EventTracerOptions): EventTracer {
  const ids = new DerivedIdGenerator();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    idGenerator: ids,
    spanProcessors: options.exporters.map(
      (e) => new BatchSpanProcessor(e, { scheduledDelayMillis: options.exportDelayMs ?? 500 }),
    ),
  });
  const tracer = provider.getTracer("loop-event-driven");
  const now = () => options.clock.now();
  // Admission asks for an event's root twice in a row (its jobs' traceparent, then its span).
  let last: { readonly eventId: string; readonly root: TraceParent } | undefined;
  const rootOfEvent = (eventId: string): TraceParent => {
    if (last?.eventId !== eventId) last = { eventId, root: rootOf(eventId) };
    return last.root;
  };

  function stepObserver(parent: Span, eventId: string, totals: { input: number; output: number; usd: number }) {
    const observer: StepObserver = {
      step(start) {
        const span = tracer.startSpan(
          stepName(start),
          {
            startTime: now(),
            attributes: {
              [EVENT_ID_ATTRIBUTE]: eventId,
              "evd.step.where": start.where,
              "evd.step.kind": start.kind,
              ...(start.id !== undefined ? { "evd.step.id": start.id } : {}),
              ...(start.tool !== undefined ? { "evd.tool.name": start.tool } : {}),
              ...(start.recipe !== undefined ? { "evd.recipe": start.recipe } : {}),
            },
          },
          trace.setSpan(ROOT_CONTEXT, parent),
        );
        let input = 0;
        let output = 0;
        let nested: StepObserver | undefined;
        const observation: StepObservation = {
          prompt(usage) {
            input += usage.inputTokens ?? 0;
            output += usage.outputTokens ?? 0;
            totals.input += usage.inputTokens ?? 0;
            totals.output += usage.outputTokens ?? 0;
            if (options.prices)
              totals.usd += options.prices.microUsd(usage.model, usage.inputTokens ?? 0, usage.outputTokens ?? 0);
            span.setAttributes({
              "gen_ai.system": usage.provider,
              ...(usage.model !== undefined ? { "gen_ai.request.model": usage.model } : {}),
              "gen_ai.usage.input_tokens": input,
              "gen_ai.usage.output_tokens": output,
            });
          },
          get nested() {
            nested ??= stepObserver(span, eventId, totals);
            return nested;
          },
          end(outcome) {
            if (outcome.action && start.kind === "tool") span.setAttribute("evd.tool.action", outcome.action);
            if (outcome.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
            else span.setStatus({ code: SpanStatusCode.OK });
            span.end(now());
          },
        };
        return observation;
      },
    };
    return observer;
  }

  return {
    traceparentOf: (event) => formatTraceparent(rootOfEvent(event.id)),

    admission(event, facts) {
      const root = rootOfEvent(event.id);
      const isRoot = ROOT_OUTCOMES.has(facts.outcome);
      if (isRoot) {
        ids.nextTraceId = root.traceId;
        ids.nextSpanId = root.spanId;
      }
      const attributes: Attributes = {
        [EVENT_ID_ATTRIBUTE]: event.id,
        "evd.event.type": event.type,
        "evd.event.source": event.source,
        "evd.admission.source": facts.source,
        [ADMISSION_OUTCOME_ATTRIBUTE]: facts.outcome,
        ...(facts.jobIds && facts.jobIds.length > 0 ? { "evd.jobs": [...facts.jobIds] } : {}),
        ...(facts.reason !== undefined ? { "evd.reason": facts.reason } : {}),
      };
      // A repeat (duplicate, refused...) is a child of the root, never a second root with its id.
      const span = tracer.startSpan(
        `event ${event.type} ${facts.source}`,
        { startTime: facts.start, attributes },
        isRoot ? ROOT_CONTEXT : remoteParent(root),
      );
      ids.nextTraceId = ids.nextSpanId = undefined;
      span.setStatus({ code: facts.outcome === "unavailable" ? SpanStatusCode.ERROR : SpanStatusCode.OK });
      span.end(facts.end);
    },

    job(job, attempt) {
      const parent = parseTraceparent(job.traceparent) ?? rootOf(job.event.id);
      const span = tracer.startSpan(
        `job ${job.handler}`,
        {
          startTime: now(),
          attributes: {
            [EVENT_ID_ATTRIBUTE]: job.event.id,
            "evd.job.id": job.id,
            "evd.handler": job.handler,
            "evd.attempt": attempt,
            ...(job.replay_of !== undefined ? { "evd.replay_of": job.replay_of } : {}),
          },
        },
        remoteParent(parent),
      );
      const totals = { input: 0, output: 0, usd: 0 };
      return {
        observer: stepObserver(span, job.event.id, totals),
        end(result) {
          span.setAttributes({
            "evd.status": result.status ?? (result.success ? "succeeded" : "failed"),
            ...(typeof result.error === "string" ? { "evd.error": result.error } : {}),
            ...(result.reason !== undefined ? { "evd.reason": result.reason } : {}),
            ...(totals.input + totals.output > 0
              ? { "gen_ai.usage.input_tokens": totals.input, "gen_ai.usage.output_tokens": totals.output }
              : {}),
            ...(options.prices && totals.usd > 0 ? { "evd.cost_usd": totals.usd / 1e6 } : {}),
          });
          span.setStatus(
            result.status === "failed" || (result.status === undefined && !result.success)
              ? { code: SpanStatusCode.ERROR, message: result.error ?? "failed" }
              : { code: SpanStatusCode.OK },
          );
          span.end(now());
        },
      };
    },

    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
