/**
 * Runs `evd validate --json` (the CLI's own `main`, in this one process: 500 process starts would
 * take minutes) on mutated copies of the example configs; prints one JSON line per mutation.
 * Usage: node --import tsx validate-fuzz-driver.ts <examples copy> <count> <seed>
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../../local/cli/main.ts";
import { mutateConfig, prng } from "./config-mutations.ts";

const [dir, countText, seedText] = process.argv.slice(2);
const SOURCES = [
  "quickstart.yaml",
  "webhook-integration.yaml",
  "scheduled-reports.yaml",
  "docs-watcher.yaml",
  "pr-review.yaml",
  "hooks/evd.yaml",
];
const rand = prng(Number(seedText));
const originals = SOURCES.map((f) => ({ f, text: readFileSync(join(dir!, f), "utf8") }));
const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

for (let i = 0; i < Number(countText); i++) {
  const base = originals[i % originals.length]!;
  const { text, what } = mutateConfig(base.text, rand);
  // Next to the original, so its relative recipe and hook paths still resolve.
  const file = join(dir!, base.f.replace(/\.yaml$/, `.fuzz-${i}.yaml`));
  writeFileSync(file, text);
  let stdout = "";
  let stderr = "";
  process.stdout.write = ((chunk: string | Uint8Array) => (
    (stdout += String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    (stderr += String(chunk)),
    true
  )) as typeof process.stderr.write;
  process.exitCode = undefined;
  let code: number;
  let thrown: string | undefined;
  try {
    code = await main(["node", "evd", "validate", "--json", "--config", file]);
  } catch (err) {
    code = -1;
    thrown = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  process.exitCode = undefined;
  write.out(`${JSON.stringify({ i, base: base.f, what, code, stdout, stderr, thrown })}\n`);
}
