/**
 * The HTTP ingest, transport-neutral: an IngestRequest in, (status, headers, JSON body) out. The
 * daemon's HTTP server and the API Gateway Lambda are thin adapters around it.
 *
 *   404 unknown path -> 405 not POST -> 413 too large -> 401 signature -> 400 headers/body
 *   -> normalize (+ the `evd-causation` header: a chain of events, shared/guardrails/causation.ts)
 *   -> admit (admit.ts) -> the outcome's status (ANSWERS below)
 * Every refusal is `{"error","message"}` and enqueues nothing.
 */
import type { OrchestratorConfig } from "../config/schema.ts";
import { EventError } from "../events/errors.ts";
import type { Event } from "../events/event.ts";
import { normalizeGithubDelivery } from "../events/github.ts";
import { webhookEvent } from "../events/webhook-event.ts";
import type { AdmissionGuard } from "../guardrails/admission-guard.ts";
import { CAUSATION_HEADER, parseCausationHeader, withCausation } from "../guardrails/causation.ts";
import type { HookBus } from "../hooks/lifecycle.ts";
import type { Logger } from "../logging/logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { JobQueue } from "../ports/job-queue.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import type { EventTracer } from "../tracing/event-tracer.ts";
import type { SignatureScheme } from "../signatures/verify.ts";
import type { AdmissionKind } from "./admit.ts";
import { configRoute, createAdmission, type AdmissionOutcome } from "./admit.ts";
import { configEndpoints, EndpointKind, stripQuery, type Endpoint } from "./endpoints.ts";
import type { IngestRequest } from "./ingest-request.ts";
import { BodyParseError, parseRequestBody } from "./parse-body.ts";
import { IngestErrorCode, jsonResponse, refusal, type IngestResponse } from "./response.ts";
import { cachedSecretResolver, verifyEndpoint } from "./verify-endpoint.ts";

export type { IngestResponse } from "./response.ts";
export type { IngestRequest } from "./ingest-request.ts";

export interface IngestDeps {
  readonly config: OrchestratorConfig;
  readonly queue: JobQueue;
  readonly secrets: SecretStore;
  readonly hooks: HookBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Loop detection and the storm breaker. @default none */
  readonly guard?: AdmissionGuard;
  /** The admission span of each event. @default none */
  readonly tracer?: Pick<EventTracer, "admission" | "traceparentOf">;
}

/** Seconds a client is told to wait after a 429 or 503. */
export const RETRY_AFTER_SECONDS = 5;

const RETRY_LATER = { "retry-after": String(RETRY_AFTER_SECONDS) } as const;

/** The HTTP answer of each admission outcome. */
const ANSWERS: { [K in AdmissionKind]: (o: Extract<AdmissionOutcome, { kind: K }>) => IngestResponse } = {
  accepted: (o) => jsonResponse(202, { status: "accepted", event_id: o.event.id, jobs: o.jobIds }),
  duplicate: (o) => jsonResponse(202, { status: "duplicate", event_id: o.event.id, jobs: o.jobIds }),
  dropped: (o) => jsonResponse(202, { status: "dropped", event_id: o.event.id, jobs: o.jobIds, reason: o.reason }),
  skipped: (o) => jsonResponse(200, { status: "skipped", event_id: o.event.id, reason: o.reason }),
  ignored: (o) => jsonResponse(200, { status: "ignored", event_id: o.event.id, reason: o.reason }),
  rejected: (o) =>
    o.paused
      ? refusal(429, IngestErrorCode.SOURCE_PAUSED, `${o.reason}; nothing was enqueued, retry later`, {
          "retry-after": String(o.paused.retryAfterSeconds),
        })
      : refusal(429, IngestErrorCode.QUEUE_FULL, `${o.reason}; nothing was enqueued, retry later`, RETRY_LATER),
  unavailable: () =>
    refusal(
      503,
      IngestErrorCode.QUEUE_UNAVAILABLE,
      "the queue is unavailable; nothing was enqueued, retry later",
      RETRY_LATER,
    ),
};

export function answerOf(outcome: AdmissionOutcome): IngestResponse {
  return (ANSWERS[outcome.kind] as (o: AdmissionOutcome) => IngestResponse)(outcome);
}

export function createIngest(deps: IngestDeps): (req: IngestRequest) => Promise<IngestResponse> {
  const endpoints = configEndpoints(deps.config);
  const resolveSecret = cachedSecretResolver(deps.secrets);
  const admit = createAdmission({ ...deps, route: configRoute(deps.config) });

  return async function ingest(req: IngestRequest): Promise<IngestResponse> {
    const path = stripQuery(req.path);
    const endpoint = endpoints.get(path);
    if (!endpoint) return refusal(404, IngestErrorCode.NOT_FOUND, "no endpoint at this path");
    if (req.method.toUpperCase() !== "POST") {
      return refusal(405, IngestErrorCode.METHOD_NOT_ALLOWED, `${endpoint.path} accepts POST only`, { allow: "POST" });
    }
    if (req.rawBody.length > endpoint.maxBodyBytes) {
      return refusal(
        413,
        IngestErrorCode.PAYLOAD_TOO_LARGE,
        `body of ${req.rawBody.length} bytes is over the limit of ${endpoint.maxBodyBytes} bytes`,
      );
    }
    const log = deps.logger.child({ path: endpoint.path });
    try {
      return await accept(endpoint, req.headers, req.rawBody, log);
    } catch (err) {
      log.log("error", "ingest failed unexpectedly", { error: err instanceof Error ? err.message : String(err) });
      return refusal(500, IngestErrorCode.INTERNAL, "internal error; nothing was enqueued");
    }
  };

  async function accept(
    endpoint: Endpoint,
    headers: Readonly<Record<string, string | undefined>>,
    rawBody: Buffer,
    log: Logger,
  ): Promise<IngestResponse> {
    const nowMs = deps.clock.now();
    const verdict = await verifyEndpoint(endpoint, { headers, rawBody }, resolveSecret, {
      nowMs,
      toleranceSeconds: deps.config.replay_window_seconds,
    });
    if (!verdict.ok) {
      if (verdict.kind === "secret") {
        log.log("error", "webhook secret unavailable", { reason: verdict.reason });
        return refusal(
          503,
          IngestErrorCode.SECRET_UNAVAILABLE,
          "the endpoint cannot verify signatures right now; nothing was enqueued",
          RETRY_LATER,
        );
      }
      log.log("warn", "signature refused", { reason: verdict.reason });
      return refusal(401, IngestErrorCode.BAD_SIGNATURE, `signature verification failed: ${verdict.reason}`);
    }

    let event: Event;
    try {
      event =
        endpoint.kind === EndpointKind.GITHUB
          ? githubEvent(endpoint, headers, rawBody, new Date(nowMs))
          : webhookEvent({
              path: endpoint.path,
              headers: signedIdHeaders(verdict.schemes, headers),
              rawBody,
              receivedAt: new Date(nowMs),
              payload: parseRequestBody(rawBody, headers["content-type"]),
            });
    } catch (err) {
      if (err instanceof MissingHeaderError) return refusal(400, IngestErrorCode.MISSING_HEADER, err.message);
      if (err instanceof BodyParseError) return refusal(400, IngestErrorCode.BAD_BODY, err.message);
      if (err instanceof EventError) return refusal(400, IngestErrorCode.BAD_EVENT, err.message);
      throw err;
    }

    event = withCausation(event, parseCausationHeader(headers[CAUSATION_HEADER]));
    const outcome = await admit(event, { source: endpoint.path, acceptSource: (_s, i) => verdict.sources.has(i) });
    return answerOf(outcome);
  }
}

class MissingHeaderError extends Error {
  override readonly name = "MissingHeaderError";
}

function githubEvent(
  endpoint: Endpoint,
  headers: Readonly<Record<string, string | undefined>>,
  rawBody: Buffer,
  receivedAt: Date,
): Event {
  const eventName = headers["x-github-event"]?.trim();
  if (!eventName) throw new MissingHeaderError("missing header X-GitHub-Event");
  const deliveryId = headers["x-github-delivery"]?.trim();
  if (!deliveryId) throw new MissingHeaderError("missing header X-GitHub-Delivery");
  const payload = parseRequestBody(rawBody, headers["content-type"]);
  return normalizeGithubDelivery({ eventName, deliveryId, payload, receivedAt, path: endpoint.path });
}

/**
 * `webhook-id` becomes the event id only when the signature covers it (Standard Webhooks signs
 * `id.timestamp.body`); under other schemes a replayed body with a new unsigned id would dodge
 * dedupe, so the body hash is the id there.
 */
function signedIdHeaders(
  schemes: ReadonlyMap<number, SignatureScheme>,
  headers: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> {
  const signedId = [...schemes.values()].includes("standard-webhooks");
  if (signedId || headers["webhook-id"] === undefined) return headers;
  const { "webhook-id": _unsigned, ...rest } = headers;
  return rest;
}
