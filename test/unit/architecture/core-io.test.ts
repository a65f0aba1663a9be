/**
 * The core does no I/O of its own (DESIGN: ports and adapters): the lint rule that keeps file,
 * process, socket and network access out of shared/ outside its adapters (shared/node/,
 * shared/aws/) is checked here against code that breaks it, so a config change cannot silently
 * turn it off.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { ESLint } from "eslint";

const BREAKS_THE_RULE = `
import { readFileSync } from "node:fs";
import { execFile } from "child_process";
import { createServer, isIP } from "node:net";
export async function probe(name: string): Promise<unknown> {
  void readFileSync; void execFile; void createServer; void isIP;
  await fetch("http://example.com");
  void process.env.HOME;
  return import(name);
}
`;

async function problemsAt(filePath: string): Promise<string[]> {
  const [result] = await new ESLint().lintText(BREAKS_THE_RULE, { filePath });
  return result!.messages.map((m) => `${m.line}:${m.ruleId}`);
}

test("core I/O rule: shared/ refuses fs, child_process, sockets, global fetch, process.env and computed imports", async () => {
  const problems = await problemsAt("shared/pipeline/probe.ts");
  assert.deepEqual(problems.sort(), [
    "2:no-restricted-imports",
    "3:no-restricted-imports",
    "4:no-restricted-imports",
    "7:no-restricted-globals",
    "8:no-restricted-properties",
    "9:no-restricted-syntax",
  ]);
});

test("core I/O rule: the adapters (shared/node/, shared/aws/) and the edge (local/) may do I/O", async () => {
  for (const file of ["shared/node/probe.ts", "shared/aws/probe.ts", "local/daemon/probe.ts"])
    assert.deepEqual(await problemsAt(file), [], file);
});
