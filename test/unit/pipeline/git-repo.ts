/** A real git repository made in a temp folder for the tool-git-advanced tests. */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export function git(dir: string, ...args: string[]): string {
  return execFileSync(
    "git",
    ["-C", dir, "-c", "user.name=Test Dev", "-c", "user.email=dev@example.test", "-c", "commit.gpgsign=false", ...args],
    {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", GIT_CONFIG_NOSYSTEM: "1", HOME: dir },
    },
  );
}

/** `git init` plus one commit per entry: [file, content, subject]. */
export function makeRepo(dir: string, commits: readonly (readonly [string, string, string])[]): void {
  git(dir, "init", "-q", "-b", "main");
  for (const [file, content, subject] of commits) {
    writeFileSync(join(dir, file), content);
    git(dir, "add", file);
    git(dir, "commit", "-q", "-m", subject);
  }
}
