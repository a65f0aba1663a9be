/**
 * Event ids, namespaced by the kind of source that made them (and its endpoint or name), so ids
 * from different sources can never collide. This matters because some parts of an id come from
 * the sender and are not signed: GitHub's `X-GitHub-Delivery` header is not covered by the
 * signature, so a replayed signed delivery could otherwise carry `schedule:nightly:<time>` or
 * another endpoint's id and make the real event answer `duplicate` for the whole dedupe window.
 *
 *   github:<endpoint path>:<X-GitHub-Delivery>
 *   webhook:<endpoint path>:id:<signed webhook-id>      webhook:<endpoint path>:sha256:<hex of the raw body>
 *   schedule:<schedule name>:<scheduled time ISO>
 *   file:<sha256 of the source and its change set>
 *   manual:<caller's id, or a fresh UUID>
 *   git-push:<hash of repository, ref, before, after>   (a local push reported by the git hook)
 *
 * Encoding: `%` and `#` are percent-encoded in every part (`#` separates the handler in a job id)
 * and `:` in every part but the last, so splitting at the first colons gives the parts back: two
 * different (kind, parts) never make the same id. Ordinary names, paths, GUIDs and times read as
 * they are.
 */
import { randomUUID } from "node:crypto";
import { EventError } from "./errors.ts";

export const EventIdKind = {
  GITHUB: "github",
  WEBHOOK: "webhook",
  SCHEDULE: "schedule",
  FILE: "file",
  MANUAL: "manual",
  LOCAL_GIT_PUSH: "git-push",
} as const;
export type EventIdKind = (typeof EventIdKind)[keyof typeof EventIdKind];

function encodePart(part: string, last: boolean): string {
  const escaped = part.replaceAll("%", "%25").replaceAll("#", "%23");
  return last ? escaped : escaped.replaceAll(":", "%3A");
}

/** `<kind>:<part>:...:<last part>`, each part encoded as described above. */
export function namespacedEventId(kind: EventIdKind, ...parts: readonly string[]): string {
  if (parts.length === 0) throw new EventError(`an event id of kind "${kind}" needs at least one part`);
  parts.forEach((p, i) => {
    if (p === "") throw new EventError(`an event id of kind "${kind}" has an empty part (number ${i + 1})`);
  });
  return [kind, ...parts.map((p, i) => encodePart(p, i === parts.length - 1))].join(":");
}

/** A GitHub delivery's id: the unsigned delivery header, inside the endpoint's own namespace. */
export function githubEventId(path: string, deliveryId: string): string {
  return namespacedEventId(EventIdKind.GITHUB, path, deliveryId);
}

/** A manual event's id (CLI, admin API, `evd cloud trigger`): the caller's idempotency key or a fresh UUID. */
export function manualEventId(callerId?: string): string {
  if (callerId !== undefined && callerId.trim() === "") throw new EventError("event id must not be empty");
  return namespacedEventId(EventIdKind.MANUAL, callerId ?? randomUUID());
}
