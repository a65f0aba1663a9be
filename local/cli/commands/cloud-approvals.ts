/**
 * `evd cloud approvals [--json]`, `evd cloud approve JOB [-m WHY]`, `evd cloud deny JOB [-m WHY]`:
 * the runs of the deployed stack waiting at an approval gate of a staged recipe, as `evd approvals`
 * lists the daemon's, and the decision about one (shared/aws/cloud-gates.ts). Approving sends the
 * job again with its resume (the runner continues from the gate); denying ends it (denied, in the
 * history). A job that is not waiting, or a second decision, is refused and changes nothing.
 */
import type { Command } from "commander";
import { CloudGates, GateRequestError, ResumeNotSentError } from "../../../shared/aws/cloud-gates.ts";
import { DynamoGateStore } from "../../../shared/aws/dynamo-gate-store.ts";
import { SqsJobSender } from "../../../shared/aws/sqs-job-sender.ts";
import { gateDecision } from "../../../shared/events/gate-decisions.ts";
import { systemClock } from "../../../shared/ports/clock.ts";
import { describeParked } from "./approvals.ts";
import type { CloudAction, CloudCliDeps, CloudContext, CloudVerbContext } from "./cloud-context.ts";
import { CloudCliError, need } from "./cloud-errors.ts";
import { payloadStoreOf } from "./cloud-payloads.ts";

function gatesOf(c: CloudContext, env: CloudCliDeps["env"], needsQueue: boolean): CloudGates {
  const table = c.table(need(c.resources.tableName, "table", "--table", "EVD_TABLE_NAME"));
  // Listing and denying send nothing: the queue is only needed to approve.
  const queueUrl = needsQueue ? need(c.resources.queueUrl, "job queue", "--queue-url", "EVD_QUEUE_URL") : "";
  const payloads = payloadStoreOf(c, env);
  return new CloudGates({
    store: new DynamoGateStore({ table }),
    sender: new SqsJobSender({ sqs: c.sqs, queueUrl, ...(payloads ? { payloads } : {}) }),
    clock: systemClock,
    ...(payloads ? { payloads } : {}),
  });
}

export function registerCloudApprovals(
  cloud: Command,
  deps: CloudCliDeps,
  ctx: CloudVerbContext,
  run: CloudAction,
): void {
  cloud
    .command("approvals")
    .description("runs waiting at an approval gate of a staged recipe, with what each asks")
    .option("--json", "print JSON")
    .action(
      run(async (cmd) => {
        const { c } = await ctx(cmd);
        const parked = await gatesOf(c, deps.env, false).list();
        for (const line of describeParked(parked, cmd.opts<{ json?: boolean }>().json === true)) deps.out(line);
      }),
    );

  for (const approve of [true, false]) {
    cloud
      .command(approve ? "approve" : "deny")
      .argument("<job>", "the job id (see evd cloud approvals)")
      .description(
        approve
          ? "let a run waiting at an approval gate continue (its job is sent again, resuming at the gate)"
          : "end a run waiting at an approval gate (recorded as denied)",
      )
      .option("-m, --message <text>", "why (kept with the decision)")
      .action(
        run(async (cmd) => {
          const { c } = await ctx(cmd);
          const job = cmd.args[0]!;
          const message = cmd.opts<{ message?: string }>().message;
          try {
            const answer = await gatesOf(c, deps.env, approve).decide(
              job,
              gateDecision(approve, message, systemClock.now()),
            );
            deps.out(
              answer.resent
                ? `approved: ${job} (its resume message was sent again)`
                : answer.approved
                  ? `approved: ${job} continues`
                  : `denied: ${job} ended at its gate`,
            );
          } catch (err) {
            if (err instanceof GateRequestError) throw new CloudCliError(err.message);
            if (err instanceof ResumeNotSentError) throw new CloudCliError(err.message, 1);
            throw err;
          }
        }),
      );
  }
}
