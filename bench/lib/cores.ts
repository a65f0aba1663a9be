/**
 * Targets and load generator on different cores: every target process is started under
 * `taskset -c <target core>` (its threads, thread pool and workers included), and the bench
 * process, which generates the load, pins itself to another core. Without taskset (or with one
 * core) nothing is pinned and the report says so.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

export interface Cores {
  /** Core the measured process runs on, or undefined when unpinned. */
  readonly target?: number;
  /** Core the load generator (this process) runs on. */
  readonly load?: number;
  /** Prefix for spawning a target: `["taskset", "-c", "0"]` or `[]`. */
  readonly prefix: readonly string[];
  readonly note: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process (all its threads) to the load core and returns how to pin targets. */
export function pinCores(env: Readonly<Record<string, string | undefined>>): Cores {
  const n = availableParallelism();
  const target = Number(env.BENCH_TARGET_CPU ?? 0);
  const load = Number(env.BENCH_LOAD_CPU ?? (n > 1 ? 1 : 0));
  if (n < 2 || target === load || !hasTaskset())
    return { prefix: [], note: `not pinned (${n} core(s)${hasTaskset() ? "" : ", no taskset"})` };
  execFileSync("taskset", ["-a", "-pc", String(load), String(process.pid)], { stdio: "ignore" });
  return {
    target,
    load,
    prefix: ["taskset", "-c", String(target)],
    note: `target on core ${target}, load generator on core ${load} (taskset)`,
  };
}

/** `node <args>` as started on the target core: the command and its arguments for `spawn`. */
export function onTargetCore(cores: Cores, nodeArgs: readonly string[]): [string, string[]] {
  if (cores.prefix.length === 0) return [process.execPath, [...nodeArgs]];
  return [cores.prefix[0]!, [...cores.prefix.slice(1), process.execPath, ...nodeArgs]];
}
