/// <reference lib="dom" />
/** Recipe stages waiting at an approval gate: approve or deny each. */
import type { ApprovalSummary } from "../../dashboard-source.ts";
import { api } from "../api.ts";
import { append, clear, h, jobHref, toast, when } from "../dom.ts";
import type { View } from "../view.ts";

export function approvalsView(): View {
  let list: HTMLElement | undefined;

  async function decide(a: ApprovalSummary, decision: "approve" | "deny"): Promise<void> {
    try {
      await api.decide(a.id, decision);
      toast(`${decision === "approve" ? "approved" : "denied"}: ${a.stage}`);
      await load();
    } catch (err) {
      toast(`${decision} failed: ${(err as Error).message}`, true);
    }
  }

  function card(a: ApprovalSummary): HTMLElement {
    return h(
      "div",
      { class: "panel", "data-approval": a.id },
      h("h3", {}, `Stage "${a.stage}" of `, h("a", { href: jobHref(a.job_id) }, a.job_id)),
      h(
        "p",
        { class: "muted" },
        `${a.handler} · waiting since ${when(a.requested_at)}`,
        a.timeout_at ? ` · decides itself at ${when(a.timeout_at)}` : "",
      ),
      a.prompt ? h("pre", {}, a.prompt) : null,
      h(
        "div",
        { class: "row" },
        h("button", { "data-action": "approve", onclick: () => void decide(a, "approve") }, "Approve"),
        h("button", { class: "danger", "data-action": "deny", onclick: () => void decide(a, "deny") }, "Deny"),
      ),
    );
  }

  async function load(): Promise<void> {
    const approvals = await api.approvals();
    clear(list!);
    if (approvals.length === 0) append(list!, h("p", { class: "empty" }, "Nothing is waiting for approval."));
    for (const a of approvals) append(list!, card(a));
  }

  return {
    async render(main) {
      list = h("div", { id: "approvals" });
      append(main, h("h2", {}, "Approvals"), list);
      await load();
    },
    onOverview(o, previous) {
      if (previous?.approvals_waiting !== o.approvals_waiting) void load().catch(() => undefined);
    },
  };
}
