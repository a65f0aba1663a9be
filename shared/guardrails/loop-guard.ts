/**
 * Loop detection at admission, before hooks and routing:
 * - a GitHub comment event (issue_comment, pull_request_review_comment, pull_request_review,
 *   commit_comment, discussion_comment) whose comment holds the marker tool-github puts in every
 *   comment it writes, or whose author is one of `self_comments.logins`, is this project's own:
 *   skipped (reviewing its own review comment is how a PR bot talks to itself forever);
 * - an event deeper in a causation chain than `max_causation_depth` is skipped (causation.ts).
 */
import type { GuardrailsConfig } from "../config/guardrails-schema.ts";
import type { Event } from "../events/event.ts";
import { causationOf } from "./causation.ts";

/** GitHub events a comment brings about, and where their text and author are. */
export const COMMENT_EVENTS: Readonly<Record<string, "comment" | "review">> = {
  issue_comment: "comment",
  pull_request_review_comment: "comment",
  commit_comment: "comment",
  discussion_comment: "comment",
  pull_request_review: "review",
};

export type LoopVerdict = { readonly kind: "pass" } | { readonly kind: "skip"; readonly reason: string };

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function githubEventOf(event: Event): string | undefined {
  const name = event.metadata?.github_event ?? event.payload.github_event;
  return typeof name === "string" ? name : undefined;
}

/** Why a GitHub comment event is this project's own, if it is. */
export function ownCommentReason(event: Event, selfComments: GuardrailsConfig["self_comments"]): string | undefined {
  const name = githubEventOf(event);
  const part = name === undefined ? undefined : COMMENT_EVENTS[name];
  if (part === undefined) return undefined;
  const comment = record(event.payload[part]);
  const body = typeof comment?.body === "string" ? comment.body : "";
  if (body.includes(selfComments.marker))
    return `${name} event about a comment this project wrote (it holds the marker ${JSON.stringify(selfComments.marker)})`;
  const login = record(comment?.user)?.login ?? record(event.payload.sender)?.login;
  if (typeof login === "string" && selfComments.logins.includes(login))
    return `${name} event about a comment by ${login}, this project's own login (guardrails.self_comments.logins)`;
  return undefined;
}

export function checkLoop(event: Event, guardrails: GuardrailsConfig): LoopVerdict {
  if (guardrails.self_comments.skip) {
    const own = ownCommentReason(event, guardrails.self_comments);
    if (own) return { kind: "skip", reason: `loop guard: ${own}` };
  }
  const { depth, caused_by } = causationOf(event);
  if (depth > guardrails.max_causation_depth) {
    return {
      kind: "skip",
      reason: `loop guard: causation chain of depth ${depth} is deeper than guardrails.max_causation_depth ${guardrails.max_causation_depth}${caused_by ? ` (caused by a job of event ${caused_by})` : ""}`,
    };
  }
  return { kind: "pass" };
}
