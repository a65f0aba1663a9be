#!/usr/bin/env node
// Runs the named test suites (unit, integration, infra, e2e, security, reliability) in ONE node:test invocation, so CI
// reads a single summary. Node 20's --test takes no globs for .ts files: we list them here.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const known = ["unit", "integration", "infra", "e2e", "security", "reliability"];
const suites = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith("--"));
for (const s of suites) {
  if (!known.includes(s)) {
    console.error(`unknown suite "${s}"; expected one of: ${known.join(", ")}`);
    process.exit(2);
  }
}

function findTests(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(findTests(full));
    else if (name.endsWith(".test.ts")) out.push(full);
  }
  return out.sort();
}

const files = [];
for (const s of suites) {
  const found = findTests(join(root, "test", s));
  if (found.length === 0) console.log(`suite ${s}: no tests yet`);
  files.push(...found);
}
if (files.length === 0) {
  console.log("0 passed, 0 failed");
  process.exit(0);
}

const concurrency = process.env.TEST_CONCURRENCY ?? "2";
const args = [
  "--import",
  "tsx",
  "--test",
  `--test-concurrency=${concurrency}`,
  "--test-reporter=spec",
  ...passThrough,
  ...files.map((f) => relative(root, f)),
];
const res = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NODE_NO_WARNINGS: "1" },
});
process.exit(res.status ?? 1);
