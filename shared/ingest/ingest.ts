/**
 * ONE transport-neutral ingest: (method, path, headers, raw body) in, (status, headers, JSON body)
 * out. The daemon's HTTP server and the API Gateway Lambda are thin adapters around it.
 *
 *   404 unknown path -> 405 not POST -> 413 too large -> 401 signature -> 400 headers/body
 *   -> normalize -> event:received hooks (skip -> 200 skipped) -> route (none -> 200 ignored)
 *   -> queue.submit: 202 accepted | 202 duplicate | 202 dropped | 429 queue full | 503 queue down
 * Every refusal is `{"error","message"}` and enqueues nothing.
 */
import type { OrchestratorConfig } from "../config/schema.ts";
import { EventError } from "../events/errors.ts";
import type { Event, Job } from "../events/event.ts";
import { normalizeGithubDelivery } from "../events/github.ts";
import { webhookEvent } from "../events/webhook-event.ts";
import { LifecycleEvent, type HookBus } from "../hooks/lifecycle.ts";
import type { Logger } from "../logging/logger.ts";
import type { Clock } from "../ports/clock.ts";
import type { JobQueue, SubmitOutcome } from "../ports/job-queue.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import { routeEvent } from "../router/route.ts";
import { configEndpoints, EndpointKind, stripQuery, type Endpoint } from "./endpoints.ts";
import { BodyParseError, parseRequestBody } from "./parse-body.ts";
import { IngestErrorCode, jsonResponse, refusal, type IngestResponse } from "./response.ts";
import { cachedSecretResolver, verifyEndpoint } from "./verify-endpoint.ts";

export type { IngestResponse } from "./response.ts";

export interface IngestRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case (normalized again here, defensively). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Buffer;
}

export interface IngestDeps {
  readonly config: OrchestratorConfig;
  readonly queue: JobQueue;
  readonly secrets: SecretStore;
  readonly hooks: HookBus;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Seconds a client is told to wait after a 429. */
export const RETRY_AFTER_SECONDS = 5;

export function createIngest(deps: IngestDeps): (req: IngestRequest) => Promise<IngestResponse> {
  const endpoints = configEndpoints(deps.config);
  const resolveSecret = cachedSecretResolver(deps.secrets);

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
    const headers = lowerCaseHeaders(req.headers);
    const log = deps.logger.child({ path: endpoint.path });
    try {
      return await accept(endpoint, headers, req.rawBody, log);
    } catch (err) {
      log.log("error", "ingest failed unexpectedly", { error: err instanceof Error ? err.message : String(err) });
      return refusal(500, IngestErrorCode.INTERNAL, "internal error; nothing was enqueued");
    }
  };

  async function accept(
    endpoint: Endpoint,
    headers: Record<string, string | undefined>,
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
          { "retry-after": String(RETRY_AFTER_SECONDS) },
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
              headers: signedIdHeaders(endpoint, verdict.sources, headers),
              rawBody,
              receivedAt: new Date(nowMs),
              payload: parseRequestBody(rawBody, headers["content-type"], {
                requirePayloadField: false,
                emptyIsObject: true,
              }),
            });
    } catch (err) {
      if (err instanceof MissingHeaderError) return refusal(400, IngestErrorCode.MISSING_HEADER, err.message);
      if (err instanceof BodyParseError) return refusal(400, IngestErrorCode.BAD_BODY, err.message);
      if (err instanceof EventError) return refusal(400, IngestErrorCode.BAD_EVENT, err.message);
      throw err;
    }

    const elog = log.child({ event_id: event.id });
    const decision = await deps.hooks.emit(LifecycleEvent.RECEIVED, { event, source: endpoint.path });
    if (decision.action === "skip") {
      elog.log("info", "event skipped by a hook", { reason: decision.reason });
      return jsonResponse(200, { status: "skipped", event_id: event.id, reason: decision.reason });
    }
    if (decision.payload) event = { ...event, payload: decision.payload };

    const jobs = routeEvent(event, deps.config, new Date(nowMs), {
      acceptSource: (_s, i) => verdict.sources.has(i),
      logger: elog,
    });
    if (jobs.length === 0) {
      elog.log("info", "no handler matches the event", { type: event.type });
      return jsonResponse(200, { status: "ignored", event_id: event.id, reason: "no handler matches this event" });
    }

    let outcome: SubmitOutcome;
    try {
      outcome = await deps.queue.submit(event, jobs);
    } catch (err) {
      elog.log("error", "queue submit failed", { error: err instanceof Error ? err.message : String(err) });
      return refusal(
        503,
        IngestErrorCode.QUEUE_UNAVAILABLE,
        "the queue is unavailable; nothing was enqueued, retry later",
        { "retry-after": String(RETRY_AFTER_SECONDS) },
      );
    }
    return answer(event, jobs, outcome, elog);
  }

  async function answer(
    event: Event,
    jobs: readonly Job[],
    outcome: SubmitOutcome,
    log: Logger,
  ): Promise<IngestResponse> {
    switch (outcome.kind) {
      case "accepted":
        log.log("debug", "event accepted", { jobs: outcome.jobIds });
        for (const job of jobs)
          await emitQuietly(LifecycleEvent.QUEUED, { event, handler: job.handler, job_id: job.id }, log);
        return jsonResponse(202, { status: "accepted", event_id: event.id, jobs: outcome.jobIds });
      case "duplicate":
        log.log("info", "duplicate event: nothing enqueued", { jobs: outcome.jobIds });
        return jsonResponse(202, { status: "duplicate", event_id: event.id, jobs: outcome.jobIds });
      case "dropped":
        log.log("warn", "event dropped: queue full", { reason: outcome.reason });
        for (const job of jobs)
          await emitQuietly(
            LifecycleEvent.DROPPED,
            { event, handler: job.handler, job_id: job.id, reason: outcome.reason },
            log,
          );
        return jsonResponse(202, {
          status: "dropped",
          event_id: event.id,
          jobs: outcome.jobIds,
          reason: outcome.reason,
        });
      case "rejected":
        log.log("warn", "event refused: queue full", { reason: outcome.reason });
        return refusal(429, IngestErrorCode.QUEUE_FULL, `${outcome.reason}; nothing was enqueued, retry later`, {
          "retry-after": String(RETRY_AFTER_SECONDS),
        });
    }
  }

  /** A hook failing after the jobs are durably queued must not turn the 202 into an error. */
  async function emitQuietly(name: LifecycleEvent, data: Parameters<HookBus["emit"]>[1], log: Logger): Promise<void> {
    try {
      await deps.hooks.emit(name, data);
    } catch (err) {
      log.log("warn", `${name} hook failed`, { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

class MissingHeaderError extends Error {
  override readonly name = "MissingHeaderError";
}

function githubEvent(
  endpoint: Endpoint,
  headers: Record<string, string | undefined>,
  rawBody: Buffer,
  receivedAt: Date,
): Event {
  const eventName = headers["x-github-event"]?.trim();
  if (!eventName) throw new MissingHeaderError("missing header X-GitHub-Event");
  const deliveryId = headers["x-github-delivery"]?.trim();
  if (!deliveryId) throw new MissingHeaderError("missing header X-GitHub-Delivery");
  const payload = parseRequestBody(rawBody, headers["content-type"], {
    requirePayloadField: true,
    emptyIsObject: false,
  });
  return normalizeGithubDelivery({ eventName, deliveryId, payload, receivedAt, path: endpoint.path });
}

/**
 * `webhook-id` becomes the event id only when the signature covers it (Standard Webhooks signs
 * `id.timestamp.body`); under other schemes a replayed body with a new unsigned id would dodge
 * dedupe, so the body hash is the id there.
 */
function signedIdHeaders(
  endpoint: Endpoint,
  accepted: ReadonlySet<number>,
  headers: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const signedId = endpoint.sources.some((g) => accepted.has(g.index) && g.scheme === "standard-webhooks");
  if (signedId || headers["webhook-id"] === undefined) return headers;
  const { "webhook-id": _unsigned, ...rest } = headers;
  return rest;
}

function lowerCaseHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}
