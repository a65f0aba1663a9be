/**
 * Installs the `pre-push` hook that reports pushed refs to the running daemon. The hook runs
 * `evd git-hook report` and ALWAYS lets the push through: a daemon that is down is a warning.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { GitHookError } from "./push-payload.ts";

export const HOOK_MARKER = "# installed by: evd git-hook install";

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** The hook script: runs the report verb with the push's stdin, never fails the push. */
export function hookScript(opts: { node: string; bin: string; configPath: string }): string {
  return [
    "#!/bin/sh",
    HOOK_MARKER,
    "# Reports the pushed refs to the local evd daemon as git_push events. Never blocks the push.",
    `${shellQuote(opts.node)} ${shellQuote(opts.bin)} git-hook report --config ${shellQuote(opts.configPath)} --remote "$1" --url "$2" --repo "$(pwd)" \\`,
    `  || echo "evd: the push was not reported to the daemon (see above); the push goes on" >&2`,
    "exit 0",
    "",
  ].join("\n");
}

/** Writes `<hooks dir>/pre-push`; refuses to overwrite a hook it did not install unless `force`. */
export function installPrePushHook(opts: {
  repo: string;
  configPath: string;
  node: string;
  bin: string;
  force?: boolean;
}): string {
  const repo = resolve(opts.repo);
  let hooksDir: string;
  try {
    hooksDir = execFileSync("git", ["-C", repo, "rev-parse", "--git-path", "hooks"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (err) {
    throw new GitHookError(
      `${repo} is not a git repository: ${(err as { stderr?: string }).stderr?.trim() ?? (err as Error).message}`,
      { cause: err },
    );
  }
  if (!isAbsolute(hooksDir)) hooksDir = join(repo, hooksDir);
  mkdirSync(hooksDir, { recursive: true });
  const file = join(hooksDir, "pre-push");
  if (existsSync(file) && !readFileSync(file, "utf8").includes(HOOK_MARKER) && !opts.force) {
    throw new GitHookError(`${file} exists and was not installed by evd; move it away or pass --force to replace it`);
  }
  writeFileSync(file, hookScript({ node: opts.node, bin: opts.bin, configPath: resolve(opts.configPath) }));
  chmodSync(file, 0o755);
  return file;
}
