/**
 * `evd git-hook install --repo PATH [--config F]`: a `pre-push` hook in a local repository that
 * reports pushed refs to the running daemon as `git_push` events, so push and PR handlers can be
 * tried without GitHub. `evd git-hook report` is what the hook runs (never fails the push).
 */
import type { Command } from "commander";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { adminClient } from "../../daemon/admin-client.ts";
import { addConfigOptions, err, loadFor, out, type ConfigOptions } from "../daemon-verbs.ts";
import { installPrePushHook } from "../../git-hook/install.ts";
import { parsePrePushInput, pushPayloads } from "../../git-hook/push-payload.ts";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

function gitUser(repo: string): string | undefined {
  try {
    return (
      execFileSync("git", ["-C", repo, "config", "user.name"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

export function register(program: Command): void {
  const hook = program
    .command("git-hook")
    .description("report local git pushes to the running daemon as git_push events");

  addConfigOptions(hook.command("install"))
    .description("install a pre-push hook in a local repository (never blocks a push; warns when the daemon is down)")
    .requiredOption("--repo <path>", "the repository to install the hook in")
    .option("--force", "replace an existing pre-push hook that evd did not install")
    .action(async (o: ConfigOptions & { repo: string; force?: boolean }) => {
      const loaded = await loadFor(o);
      const bin = fileURLToPath(new URL("../bin.mjs", import.meta.url));
      const file = installPrePushHook({
        repo: o.repo,
        configPath: loaded.configPath,
        node: process.execPath,
        bin,
        force: o.force,
      });
      out(`installed ${file}`);
      out(`pushes from ${o.repo} are reported to the daemon of ${loaded.configPath} as git_push events`);
    });

  addConfigOptions(hook.command("report"))
    .description("(run by the installed hook) read pre-push lines on stdin and post them to the daemon")
    .option("--remote <name>", "remote name (the hook's $1)")
    .option("--url <url>", "remote URL (the hook's $2)")
    .option("--repo <path>", "repository folder", process.cwd())
    .action(async (o: ConfigOptions & { remote?: string; url?: string; repo: string }) => {
      // Whatever happens, the push goes on: report problems as warnings, exit 0.
      try {
        const updates = parsePrePushInput(await readStdin());
        if (updates.length === 0) return;
        const loaded = await loadFor(o);
        const client = adminClient(loaded.stateDir);
        for (const payload of pushPayloads({
          repo: o.repo,
          updates,
          remoteName: o.remote,
          remoteUrl: o.url,
          pusher: gitUser(o.repo),
        })) {
          const r = await client.call<{ status: string; event_id: string; jobs?: string[] }>(
            "POST",
            "/git-push",
            payload,
          );
          out(
            `evd: push of ${String(payload.ref)} reported: ${r.status}${r.jobs?.length ? ` (${r.jobs.join(", ")})` : ""}`,
          );
        }
      } catch (e) {
        err(`evd: warning: push not reported to the daemon: ${e instanceof Error ? e.message : String(e)}`);
      }
      process.exitCode = 0;
    });
}
