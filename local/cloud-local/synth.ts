/**
 * Runs `cdk synth` as a user would, with the project's CDK CLI: in the folder of the nearest
 * cdk.json (this project's, when the current folder has none), `-c key=value` passed through
 * (a relative `config=` path is made absolute first, since the CDK app runs elsewhere), into `outDir`.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CloudLocalError } from "./errors.ts";

const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface SynthOptions {
  readonly cwd: string;
  /** `key=value` context pairs (`-c config=examples/pr-review.yaml`). */
  readonly context: readonly string[];
  readonly outDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The folder holding the nearest cdk.json, from `cwd` upward; else this package's root. */
export function cdkAppDir(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "cdk.json"))) return dir;
    if (dirname(dir) === dir) return PACKAGE_ROOT;
  }
}

function cdkCli(): string {
  const require = createRequire(import.meta.url);
  let pkgFile: string;
  try {
    pkgFile = require.resolve("aws-cdk/package.json");
  } catch (err) {
    throw new CloudLocalError(
      'the CDK CLI is not installed (npm package "aws-cdk", a devDependency): run `npm ci`, or pass --cdk-out with an existing cloud assembly',
      { cause: err },
    );
  }
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { bin?: Record<string, string> };
  return join(dirname(pkgFile), pkg.bin?.cdk ?? "bin/cdk");
}

export function contextArgs(context: readonly string[], cwd: string): string[] {
  return context.flatMap((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CloudLocalError(`-c ${pair}: expected key=value (e.g. -c config=examples/pr-review.yaml)`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const absolute = key === "config" && value && !isAbsolute(value) ? resolve(cwd, value) : value;
    return ["-c", `${key}=${absolute}`];
  });
}

/** Synthesizes into `outDir`; resolves with how long it took. */
export async function runSynth(opts: SynthOptions): Promise<{ ms: number; appDir: string }> {
  const appDir = cdkAppDir(opts.cwd);
  const args = [
    cdkCli(),
    "synth",
    "--quiet",
    "-o",
    resolve(opts.cwd, opts.outDir),
    ...contextArgs(opts.context, opts.cwd),
  ];
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: appDir,
    env: { ...opts.env, CDK_DISABLE_VERSION_CHECK: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const code = await new Promise<number | null>((res, rej) => {
    child.once("error", rej);
    child.once("exit", res);
  });
  if (code !== 0)
    throw new CloudLocalError(
      `cdk synth (in ${appDir}) failed with exit code ${code}:\n${output.trim().split("\n").slice(-30).join("\n")}`,
    );
  return { ms: Date.now() - started, appDir };
}
