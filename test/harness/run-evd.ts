/**
 * `evd ...` as a user runs it, in a child process, with an AWS environment of the test's choosing:
 * the machine's own AWS settings (`~/.aws`, AWS_* variables, profiles) never leak in, so what the
 * SDK resolves (region, credentials, endpoint) is exactly what the test gave.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(repoRoot, "local", "cli", "bin.mjs");

export interface EvdRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The process environment without any AWS_* variable, plus `aws`; AWS config files point nowhere unless given. */
export function isolatedAwsEnv(aws: Readonly<Record<string, string>>): Record<string, string> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => !e[0].startsWith("AWS_") && e[1] !== undefined),
  );
  return {
    ...base,
    AWS_CONFIG_FILE: join(repoRoot, "test", "fixtures", "no-such-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(repoRoot, "test", "fixtures", "no-such-aws-credentials"),
    NODE_NO_WARNINGS: "1",
    ...aws,
  };
}

export function runEvd(
  args: readonly string[],
  aws: Readonly<Record<string, string>>,
  cwd = repoRoot,
): Promise<EvdRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: isolatedAwsEnv(aws),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    p.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    p.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
