/**
 * GitHub deliveries -> Events. The payload is GitHub's body as delivered, plus normalized fields
 * at its top level (never overwriting GitHub's own keys such as `action` or `number`):
 *   push         -> git_push: `branch` (refs/heads/x -> x) or `tag` (refs/tags/v1 -> v1), `files`, `repo`, `github_event`
 *   pull_request -> git_pr:   `number`, `action`, `repo`, `branch` (head ref), `base_branch`, `github_event`
 *   anything else (ping, issues, ...) -> custom with `github_event` (and `repo` when there is one)
 * The event id is `github:<endpoint path>:<X-GitHub-Delivery>` (event-id.ts: the header is not
 * signed, so it is kept in its own namespace); `source` is the endpoint path the delivery came to.
 */
import { EventError } from "./errors.ts";
import { githubEventId } from "./event-id.ts";
import { EventType, type Event } from "./event.ts";

export interface GithubDeliveryInput {
  /** The `X-GitHub-Event` header. */
  readonly eventName: string;
  /** The `X-GitHub-Delivery` header: the event id within the endpoint's namespace. */
  readonly deliveryId: string;
  readonly payload: Record<string, unknown>;
  readonly receivedAt: Date;
  /** The endpoint path the delivery was posted to (e.g. `/github`). */
  readonly path: string;
}

export function normalizeGithubDelivery(input: GithubDeliveryInput): Event {
  const { eventName, deliveryId, payload } = input;
  if (!eventName) throw new EventError("GitHub delivery without an event name (X-GitHub-Event)");
  if (!deliveryId) throw new EventError("GitHub delivery without a delivery id (X-GitHub-Delivery)");
  const repo = repoOf(payload);
  const common = { github_event: eventName, ...(repo !== undefined ? { repo } : {}) };
  let type: EventType;
  let normalized: Record<string, unknown>;
  if (eventName === "push") {
    type = EventType.GIT_PUSH;
    normalized = { ...common, ...refFields(payload), files: pushedFiles(payload) };
  } else if (eventName === "pull_request") {
    type = EventType.GIT_PR;
    normalized = { ...common, ...pullRequestFields(payload) };
  } else {
    type = EventType.CUSTOM;
    normalized = common;
  }
  return {
    id: githubEventId(input.path, deliveryId),
    type,
    source: input.path,
    payload: withoutClobbering(payload, normalized),
    timestamp: input.receivedAt.toISOString(),
    metadata: { path: input.path, github_event: eventName, delivery_id: deliveryId },
  };
}

/** GitHub's own keys win: a normalized field is only added where the payload has none. */
function withoutClobbering(payload: Record<string, unknown>, added: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...payload };
  for (const [k, v] of Object.entries(added)) if (!(k in out)) out[k] = v;
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function repoOf(payload: Record<string, unknown>): string | undefined {
  const repository = payload.repository;
  return isRecord(repository) && typeof repository.full_name === "string" ? repository.full_name : undefined;
}

function refFields(payload: Record<string, unknown>): Record<string, unknown> {
  const ref = payload.ref;
  if (typeof ref !== "string" || ref === "") throw new EventError('GitHub push payload has no "ref" string');
  if (ref.startsWith("refs/heads/")) return { branch: ref.slice("refs/heads/".length) };
  if (ref.startsWith("refs/tags/")) return { tag: ref.slice("refs/tags/".length) };
  return {};
}

/** Union of added, modified and removed paths across the push's commits, in first-seen order. */
function pushedFiles(payload: Record<string, unknown>): string[] {
  const seen = new Set<string>();
  const commits = Array.isArray(payload.commits) ? payload.commits : [];
  for (const c of commits) {
    if (!isRecord(c)) continue;
    for (const key of ["added", "modified", "removed"] as const) {
      const list = c[key];
      if (Array.isArray(list)) for (const f of list) if (typeof f === "string") seen.add(f);
    }
  }
  return [...seen];
}

function pullRequestFields(payload: Record<string, unknown>): Record<string, unknown> {
  const pr = payload.pull_request;
  if (!isRecord(pr)) throw new EventError('GitHub pull_request payload has no "pull_request" object');
  const head = isRecord(pr.head) ? pr.head : {};
  const base = isRecord(pr.base) ? pr.base : {};
  const out: Record<string, unknown> = {};
  if (typeof pr.number === "number") out.number = pr.number;
  if (typeof head.ref === "string") out.branch = head.ref;
  if (typeof base.ref === "string") out.base_branch = base.ref;
  if (typeof head.sha === "string") out.head_sha = head.sha;
  return out;
}
