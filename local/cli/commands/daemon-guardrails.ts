/**
 * The daemon verbs of the guardrails and tracing:
 *   evd daemon resume SOURCE           end a storm-breaker pause now
 *   evd daemon trace EVENT_ID [--json] the event's trace as a tree (reads the store when no daemon runs)
 * and the guardrail lines of `evd daemon status`.
 */
import type { Command } from "commander";
import type { GuardrailsStatus } from "../../daemon/daemon-guardrails.ts";
import { daemonOrNote, loadFor, out, withDaemon, withStore, type ConfigOptions } from "../daemon-verbs.ts";
import type { SpanRecord } from "../../../shared/tracing/span-record.ts";
import { renderTraceTree } from "../../../shared/tracing/trace-tree.ts";

/** The status lines: paused sources, then each budget's use of its current window. */
export function renderGuardrails(g: GuardrailsStatus | undefined): string[] {
  if (!g) return [];
  const lines: string[] = [];
  for (const p of g.paused_sources)
    lines.push(
      `PAUSED ${p.source}: storm breaker, ${p.reason}; until ${p.until_iso} (or \`evd daemon resume ${p.source}\`)`,
    );
  if (g.budgets.length > 0) {
    const shown = (v: number, limit: string) => (limit === "usd_per_day" ? `$${v.toFixed(2)}` : String(v));
    const scopes = [...new Set(g.budgets.map((b) => b.scope))];
    for (const scope of scopes) {
      const parts = g.budgets
        .filter((b) => b.scope === scope)
        .map(
          (b) =>
            `${b.limit} ${shown(b.used, b.limit)}${b.max !== undefined ? `/${shown(b.max, b.limit)}` : ""}${b.max !== undefined && b.used >= b.max ? " (REACHED)" : ""}`,
        );
      lines.push(`budget ${scope}: ${parts.join(", ")}`);
    }
  }
  return lines;
}

export function registerGuardrailVerbs(daemon: Command, globals: (cmd: Command) => ConfigOptions): void {
  daemon
    .command("resume")
    .description("resume a source the storm breaker paused (a source name, or an HTTP path like /github)")
    .argument("<source>", "the paused source")
    .action(async (source: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withDaemon(globals(cmd), async (client) => {
        const r = await client.call<{ resumed: boolean; note?: string }>("POST", "/resume", { source });
        out(r.resumed ? `resumed ${source}` : (r.note ?? `${source} was not paused`));
      });
    });

  daemon
    .command("trace")
    .description(
      "an event's trace as a tree: the admission, each job attempt, each step (reads the store when no daemon runs)",
    )
    .argument("<event-id>", "the event id (as in `evd daemon history`)")
    .option("--json", "print the spans as JSON")
    .action(async (eventId: string, o: { json?: boolean }, cmd: Command) => {
      const loaded = await loadFor(globals(cmd));
      const client = daemonOrNote(loaded);
      const spans = client
        ? (
            await client.call<{ spans: SpanRecord[] }>(
              "GET",
              `/trace?${new URLSearchParams({ event_id: eventId }).toString()}`,
            )
          ).spans
        : await withStore(loaded, (s) => s.spans.spansOfEvent(eventId));
      out(o.json ? JSON.stringify(spans, null, 2) : renderTraceTree(spans));
      if (spans.length === 0) process.exitCode = 1;
    });
}
