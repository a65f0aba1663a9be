/**
 * Approval gates of the local daemon (Amplifier's staged recipes): `evd approvals` lists the runs
 * waiting at a gate with what they ask; `evd approve JOB` lets one continue, `evd deny JOB` ends it.
 * Through the running daemon when there is one, else on its store directly (the next
 * `evd daemon` start continues an approved run).
 */
import type { Command } from "commander";
import { gateDecision, type GateOutcome, type ParkedJob } from "../../store/gates.ts";
import { StoreRequestError } from "../../store/store-error.ts";
import {
  addConfigOptions,
  daemonOrNote,
  err,
  loadFor,
  out,
  table,
  withStore,
  type ConfigOptions,
} from "../daemon-verbs.ts";
import { AdminCallError } from "../../daemon/admin-client.ts";

/** How the approvals verbs print the waiting runs (`evd approvals`, `evd cloud approvals`). */
export function describeParked(parked: readonly ParkedJob[], json: boolean): string[] {
  if (json) return [JSON.stringify(parked, null, 2)];
  if (parked.length === 0) return ["no run is waiting at an approval gate"];
  return [
    table([
      ["JOB", "HANDLER", "STAGE", "GATE", "WAITING SINCE", "DECIDES BY ITSELF"],
      ...parked.map((p) => [
        p.id,
        p.handler,
        p.gate.stage,
        p.gate.when,
        p.parkedAt,
        p.decidesAt ? `${p.gate.onTimeout} at ${p.decidesAt}` : "never",
      ]),
    ]),
    ...parked.map((p) => `\n${p.id} asks:\n${p.gate.prompt.replace(/^/gm, "  ")}`),
  ];
}

interface DecideOptions {
  message?: string;
}

export function register(program: Command): void {
  addConfigOptions(
    program
      .command("approvals")
      .description("runs waiting at an approval gate of a staged recipe, with what each asks")
      .option("--json", "print JSON"),
  ).action(async (o: { json?: boolean }, cmd: Command) => {
    const loaded = await loadFor(cmd.optsWithGlobals<ConfigOptions>());
    const client = daemonOrNote(loaded);
    const parked = client
      ? await client.call<ParkedJob[]>("GET", "/approvals")
      : await withStore(loaded, (s) => s.listParked());
    for (const line of describeParked(parked, o.json === true)) out(line);
  });

  for (const approve of [true, false]) {
    addConfigOptions(
      program
        .command(approve ? "approve" : "deny")
        .argument("<job>", "the job id (see evd approvals)")
        .description(
          approve
            ? "let a run waiting at an approval gate continue"
            : "end a run waiting at an approval gate (recorded as denied)",
        )
        .option("-m, --message <text>", "why (kept with the decision)"),
    ).action(async (job: string, o: DecideOptions, cmd: Command) => {
      process.exitCode = await decide(job, approve, o.message, cmd.optsWithGlobals<ConfigOptions>());
    });
  }
}

async function decide(
  job: string,
  approve: boolean,
  message: string | undefined,
  opts: ConfigOptions,
): Promise<number> {
  const loaded = await loadFor(opts);
  const client = daemonOrNote(loaded);
  let outcome: GateOutcome;
  try {
    outcome = client
      ? await client.call<GateOutcome>("POST", "/approvals/decide", {
          id: job,
          approve,
          ...(message ? { message } : {}),
        })
      : await withStore(loaded, (s) => s.decideGate(job, gateDecision(approve, message, Date.now())));
  } catch (e) {
    if (e instanceof AdminCallError || e instanceof StoreRequestError) {
      err(`evd: ${e.message}`);
      return 1;
    }
    throw e;
  }
  out(
    outcome.state === "PENDING"
      ? `approved: ${job} continues${client ? "" : " when the daemon next runs"}`
      : `denied: ${job} ended at its gate`,
  );
  return 0;
}
