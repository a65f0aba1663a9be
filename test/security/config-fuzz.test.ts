/**
 * Config fuzzing (issue 13): 500 random mutations of the example configs through `evd validate`.
 * No mutation may crash it (every run ends with a JSON verdict, exit 0 or 1), and every problem it
 * reports names where: a key path, or a line for a file that is not even YAML.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const MUTATIONS = 500;
const SEED = 13;
const repo = fileURLToPath(new URL("../../", import.meta.url));

interface Run {
  i: number;
  base: string;
  what: string;
  code: number;
  stdout: string;
  stderr: string;
  thrown?: string;
}

describe("security: config fuzzing through evd validate", () => {
  const dir = mkdtempSync(join(tmpdir(), "evd-fuzz-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`${MUTATIONS} mutations of the examples: no crash, every error names a key path`, () => {
    cpSync(join(repo, "examples"), dir, { recursive: true });
    const res = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        join(repo, "test/security/helpers/validate-fuzz-driver.ts"),
        dir,
        String(MUTATIONS),
        String(SEED),
      ],
      { cwd: repo, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NODE_NO_WARNINGS: "1" } },
    );
    assert.equal(res.status, 0, res.stderr.slice(-3000));
    const runs = res.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Run);
    assert.equal(runs.length, MUTATIONS);
    let invalid = 0;
    for (const r of runs) {
      const where = `mutation ${r.i} of ${r.base} (${r.what})`;
      assert.equal(r.thrown, undefined, `${where} crashed: ${r.thrown}`);
      assert.ok(r.code === 0 || r.code === 1, `${where}: exit ${r.code}\n${r.stderr}`);
      let verdict: { valid: boolean; issues?: { path: string; message: string; line?: number }[] };
      try {
        verdict = JSON.parse(r.stdout) as typeof verdict;
      } catch {
        assert.fail(`${where}: no JSON verdict (a crash?): ${r.stderr || r.stdout}`);
      }
      assert.equal(verdict.valid, r.code === 0, where);
      if (verdict.valid) continue;
      invalid++;
      assert.ok(verdict.issues && verdict.issues.length > 0, `${where}: invalid without a reason`);
      for (const issue of verdict.issues) {
        assert.ok(
          typeof issue.message === "string" && issue.message.length > 0,
          `${where}: an issue without a message`,
        );
        // The key path "" is the document itself ("the configuration is empty", "expected an object with `sources`...").
        const wholeDocument =
          issue.path === "" && /^(the configuration |expected an object with `sources`)/.test(issue.message);
        assert.ok(
          issue.path !== "" || typeof issue.line === "number" || wholeDocument,
          `${where}: "${issue.message}" names neither a key path nor a line`,
        );
      }
    }
    process.stdout.write(
      `# config fuzz: ${MUTATIONS} mutations, ${invalid} refused with key paths, ${MUTATIONS - invalid} still valid\n`,
    );
  });
});
