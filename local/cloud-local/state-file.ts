/**
 * `evd-cloud-local.json` in the cloud assembly folder while `evd cloud local` runs: where its AWS
 * endpoint and APIs are, so `evd cloud local fire` finds them without flags.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const STATE_FILE = "evd-cloud-local.json";

export interface CloudLocalState {
  readonly pid: number;
  readonly stackName: string;
  readonly region: string;
  readonly endpoint: string;
  readonly apiUrls: readonly string[];
  readonly scheduleGroups: readonly string[];
  readonly startedAt: string;
}

export function writeState(assemblyDir: string, state: CloudLocalState): string {
  const file = join(assemblyDir, STATE_FILE);
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  return file;
}

export function readState(assemblyDir: string): CloudLocalState | undefined {
  try {
    return JSON.parse(readFileSync(join(assemblyDir, STATE_FILE), "utf8")) as CloudLocalState;
  } catch {
    return undefined;
  }
}

export function removeState(file: string): void {
  rmSync(file, { force: true });
}
