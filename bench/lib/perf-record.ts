/**
 * `BENCH_PERF=<dir>`: Linux `perf record` (call graphs, all threads, kernel included) of a target
 * process during a measured window, for the profiles behind the figures that miss. The daemon is
 * then started with `--perf-basic-prof` so perf can name JavaScript functions. Read the result
 * with `perf report -i <dir>/<name>.perf.data --no-children --sort sym`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export interface PerfRecording {
  stop(): Promise<void>;
}

export async function perfRecord(pid: number, dir: string | undefined, name: string): Promise<PerfRecording> {
  if (!dir) return { stop: async () => {} };
  const child: ChildProcess = spawn(
    "perf",
    ["record", "-e", "cpu-clock", "-F", "1999", "-g", "-p", String(pid), "-o", join(dir, `${name}.perf.data`)],
    { stdio: "ignore" },
  );
  await new Promise((r) => setTimeout(r, 300));
  return {
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGINT");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** Node flags that let perf name JIT-compiled JavaScript frames. */
export const PERF_NODE_ARGS = ["--perf-basic-prof-only-functions", "--interpreted-frames-native-stack"] as const;
