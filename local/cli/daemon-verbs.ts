/**
 * What the `daemon`, `dlq` and `git-hook` verbs share: the config options that locate the state
 * directory, the admin client with a plain "no daemon" message, and direct store reads for the
 * verbs that work without a daemon.
 */
import type { Command } from "commander";
import { loadConfig, type LoadedConfig } from "../../shared/config/load.ts";
import { nodeConfigFiles } from "../../shared/node/node-config-files.ts";
import { openLocalStore, type LocalStore } from "../store/local-store.ts";
import { AdminCallError, adminClient, DaemonNotRunningError, type AdminClient } from "../daemon/admin-client.ts";

export interface ConfigOptions {
  config?: string;
  profile?: string;
  bundle?: string;
}

export function addConfigOptions(cmd: Command): Command {
  return cmd
    .option(
      "-c, --config <file>",
      "config file: YAML, JSON, or Markdown with front matter (default: evd.yaml, evd.yml or evd.json in the current folder)",
    )
    .option("-p, --profile <name>", "Amplifier profile .amplifier/profiles/<name>.md")
    .option("-b, --bundle <path>", "Amplifier bundle: a bundle.md file or the folder holding it");
}

export function loadFor(opts: ConfigOptions): Promise<LoadedConfig> {
  return loadConfig({
    configPath: opts.config,
    profile: opts.profile,
    bundle: opts.bundle,
    cwd: process.cwd(),
    env: process.env,
    files: nodeConfigFiles,
  });
}

export function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function err(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Runs `fn` against the running daemon; no daemon or a refusal: a plain message and exit 1. */
export async function withDaemon(
  opts: ConfigOptions,
  fn: (client: AdminClient, loaded: LoadedConfig) => Promise<void>,
): Promise<number> {
  const loaded = await loadFor(opts);
  try {
    await fn(adminClient(loaded.stateDir), loaded);
    return 0;
  } catch (e) {
    if (e instanceof DaemonNotRunningError) {
      err(`evd: ${e.message}`);
      return 1;
    }
    if (e instanceof AdminCallError) {
      err(`evd: the daemon refused: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** Reads the store directly (no daemon running): opened, used, closed. */
export async function withStore<T>(loaded: LoadedConfig, fn: (store: LocalStore) => T | Promise<T>): Promise<T> {
  const store = openLocalStore({ dir: loaded.stateDir, config: loaded.config });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The running daemon's client, or undefined (and a note on stderr) to fall back on the store. */
export function daemonOrNote(loaded: LoadedConfig): AdminClient | undefined {
  try {
    return adminClient(loaded.stateDir);
  } catch (e) {
    if (!(e instanceof DaemonNotRunningError)) throw e;
    err(`evd: no daemon is running for ${loaded.stateDir}; reading the store directly`);
    return undefined;
  }
}

/** Fixed-width text table. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}
