/** The git port's Node implementation: the `git` binary as a child process with an argument array (never a shell). */
import { execFile } from "node:child_process";
import type { RunGit } from "../tools/git-runner.ts";

const MAX_OUTPUT = 10 * 1024 * 1024;

export const nodeRunGit: RunGit = (repo, args, signal) =>
  new Promise((resolve, reject) => {
    execFile("git", ["-C", repo, "--no-pager", ...args], { maxBuffer: MAX_OUTPUT, signal }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: String(stderr) }));
      else resolve(String(stdout));
    });
  });
