import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Guardrails } from "../../../shared/config/guardrails-schema.ts";
import { normalizeGithubDelivery } from "../../../shared/events/github.ts";
import { manualEvent } from "../../../shared/events/manual-event.ts";
import {
  causedBy,
  causationOf,
  formatCausationHeader,
  parseCausationHeader,
  withCausation,
} from "../../../shared/guardrails/causation.ts";
import { checkLoop } from "../../../shared/guardrails/loop-guard.ts";
import { githubExample } from "../../fixtures/github.ts";

const guardrails = Guardrails.parse({ self_comments: { logins: ["evd-bot[bot]"] } });

function delivery(eventName: string, payload: Record<string, unknown>) {
  return normalizeGithubDelivery({
    eventName,
    deliveryId: "d-1",
    payload,
    receivedAt: new Date("2026-05-01T10:00:00Z"),
    path: "/github",
  });
}

describe("loop guard", () => {
  it("skips a comment event whose comment holds the marker tool-github writes", () => {
    const payload = githubExample("issue_comment", "created");
    (payload.comment as { body: string }).body = `LGTM\n\n${guardrails.self_comments.marker}`;
    const verdict = checkLoop(delivery("issue_comment", payload), guardrails);
    assert.equal(verdict.kind, "skip");
    assert.match(
      (verdict as { reason: string }).reason,
      /^loop guard: issue_comment event about a comment this project wrote/,
    );
  });

  it("skips review comments and reviews by the project's own login", () => {
    const review = githubExample("pull_request_review_comment", "created");
    (review.comment as { user: { login: string } }).user.login = "evd-bot[bot]";
    assert.match(
      (checkLoop(delivery("pull_request_review_comment", review), guardrails) as { reason: string }).reason,
      /a comment by evd-bot\[bot\], this project's own login/,
    );
    const submitted = githubExample("pull_request_review", "submitted");
    (submitted.review as { user: { login: string } }).user.login = "evd-bot[bot]";
    assert.equal(checkLoop(delivery("pull_request_review", submitted), guardrails).kind, "skip");
  });

  it("lets through a human's comment, and anything but comment events whoever sent them", () => {
    assert.deepEqual(checkLoop(delivery("issue_comment", githubExample("issue_comment", "created")), guardrails), {
      kind: "pass",
    });
    const pr = githubExample("pull_request", "opened");
    (pr.sender as { login: string }).login = "evd-bot[bot]";
    assert.deepEqual(checkLoop(delivery("pull_request", pr), guardrails), { kind: "pass" });
  });

  it("does not skip marked comments with self_comments.skip: false", () => {
    const payload = githubExample("issue_comment", "created");
    (payload.comment as { body: string }).body = guardrails.self_comments.marker;
    const off = Guardrails.parse({ self_comments: { skip: false } });
    assert.deepEqual(checkLoop(delivery("issue_comment", payload), off), { kind: "pass" });
  });

  it("cuts a causation chain deeper than max_causation_depth, naming the cause", () => {
    let event = manualEvent({ payload: {}, source: "cli", now: new Date(0), id: "root" });
    const chain = [event];
    for (let i = 0; i < 4; i++) {
      event = withCausation(
        manualEvent({ payload: {}, source: "cli", now: new Date(0), id: `e${i}` }),
        causedBy(event),
      );
      chain.push(event);
    }
    assert.deepEqual(
      chain.map((e) => causationOf(e).depth),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(checkLoop(chain[3]!, guardrails), { kind: "pass" }, "depth 3 is the default limit");
    const cut = checkLoop(chain[4]!, guardrails);
    assert.equal(
      (cut as { reason: string }).reason,
      `loop guard: causation chain of depth 4 is deeper than guardrails.max_causation_depth 3 (caused by a job of event ${chain[3]!.id})`,
    );
  });

  it("reads and writes the evd-causation header, ignoring anything malformed", () => {
    assert.equal(formatCausationHeader({ depth: 2, caused_by: "webhook:/x:sha256:ab" }), "2; webhook:/x:sha256:ab");
    assert.deepEqual(parseCausationHeader("2; webhook:/x:sha256:ab"), { depth: 2, caused_by: "webhook:/x:sha256:ab" });
    assert.deepEqual(parseCausationHeader(" 7 "), { depth: 7 });
    for (const bad of ["", "x", "-1", "0", "1;", "99999; e"]) assert.equal(parseCausationHeader(bad), undefined, bad);
    assert.equal(parseCausationHeader(undefined), undefined);
  });
});
