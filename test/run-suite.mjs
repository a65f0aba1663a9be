#!/usr/bin/env node
// Runs the named test suites in ONE node:test invocation, so CI reads a single summary. A suite is
// a folder under test/ holding *.test.ts files (unit, integration, infra, e2e, ...): a new folder
// is a new suite, nothing to register here. Node 20's --test takes no globs for .ts files: we list
// them. The first line names the Node that runs them, so a CI log shows which version passed.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const testRoot = join(root, "test");
const suites = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith("--"));

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

const known = readdirSync(testRoot)
  .filter((name) => statSync(join(testRoot, name)).isDirectory() && findTests(join(testRoot, name)).length > 0)
  .sort();
if (suites.length === 0) {
  console.error(`name the suites to run; the suites are: ${known.join(", ")}`);
  process.exit(2);
}
for (const s of suites) {
  if (!known.includes(s)) {
    console.error(
      `unknown suite "${s}": no test/${s}/ folder with *.test.ts files; the suites are: ${known.join(", ")}`,
    );
    process.exit(2);
  }
}

const files = suites.flatMap((s) => findTests(join(testRoot, s)));
const concurrency = process.env.TEST_CONCURRENCY ?? "2";
console.log(
  `run-suite: node ${process.version}, suites ${suites.join(" ")} (${files.length} files, concurrency ${concurrency})`,
);

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
