/**
 * The dashboard's Trigger, for the daemon and the cloud alike: a manual event for one handler
 * through the admission both sides already use; an unknown handler is a 404, a queue or store that
 * refuses the job a 503 (`refusedBy` names which).
 */
import { manualEvent } from "../../shared/events/manual-event.ts";
import { AdmissionKind, type Admit } from "../../shared/ingest/admit.ts";
import { RouterError } from "../../shared/router/errors.ts";
import { DashboardRequestError, type TriggerResult } from "./dashboard-source.ts";

export async function triggerHandler(
  admit: Admit,
  handler: string,
  payload: Record<string, unknown>,
  opts: { readonly now: Date; readonly refusedBy: "queue" | "store" },
): Promise<TriggerResult> {
  let outcome;
  try {
    outcome = await admit(manualEvent({ payload, source: "dashboard", now: opts.now }), { handler });
  } catch (err) {
    if (err instanceof RouterError) throw new DashboardRequestError(404, err.message, { cause: err });
    throw err;
  }
  if (outcome.kind === AdmissionKind.UNAVAILABLE)
    throw new DashboardRequestError(
      503,
      `the ${opts.refusedBy} refused the ${opts.refusedBy === "queue" ? "job" : "event"}: ${outcome.error}`,
    );
  return {
    status: outcome.kind,
    event_id: outcome.event.id,
    jobs: "jobIds" in outcome ? outcome.jobIds : [],
    ...("reason" in outcome ? { reason: outcome.reason } : {}),
  };
}
