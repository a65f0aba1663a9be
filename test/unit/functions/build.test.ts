import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { build, type Metafile } from "esbuild";
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildFunctions, buildOptions } from "../../../functions/build.mjs";

type Options = Parameters<typeof build>[0];
const options = buildOptions as (name: string, outdir: string) => Options;

/** Packages in `output` and in every chunk it imports statically: what loading it evaluates. */
function packagesIn(meta: Metafile, output: string): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const stack = [output];
  while (stack.length > 0) {
    const o = stack.pop()!;
    if (seen.has(o)) continue;
    seen.add(o);
    const info = meta.outputs[o];
    if (!info) continue;
    for (const f of Object.keys(info.inputs)) out.add(/node_modules\/((@[^/]+\/)?[^/]+)/.exec(f)?.[1] ?? "(own)");
    for (const i of info.imports) if (i.kind === "import-statement" && !i.external) stack.push(i.path);
  }
  return out;
}

describe("functions/build.mjs", () => {
  it("bundles each function, AWS SDK included, into one ESM file that loads; Bedrock only in the runner", async () => {
    const dir = mkdtempSync(join(tmpdir(), "evd-build-"));
    try {
      const sizes = (await buildFunctions(dir)) as Record<string, { bytes: number }>;
      assert.deepEqual(Object.keys(sizes).sort(), ["ingest", "runner"]);
      const ingest = readFileSync(join(dir, "ingest.mjs"), "utf8");
      const runner = readFileSync(join(dir, "runner.mjs"), "utf8");
      assert.ok(
        ingest.startsWith("import { createRequire as __evdCreateRequire } from 'node:module';"),
        "the createRequire banner comes first",
      );
      for (const [name, text] of [
        ["ingest", ingest],
        ["runner", runner],
      ] as const) {
        assert.doesNotMatch(text, /from\s*"@(aws-sdk|smithy)\//, `${name}: the AWS SDK is bundled, not imported`);
        // A fresh process loads the bundle and finds the handler (nothing is called).
        const out = execFileSync(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            `const m = await import(process.argv[1]); console.log(typeof m.handler);`,
            join(dir, `${name}.mjs`),
          ],
          { env: { ...process.env, AWS_REGION: "us-east-1" }, stdio: ["ignore", "pipe", "ignore"] },
        );
        assert.equal(out.toString().trim(), "function", `${name} exports its handler`);
      }
      assert.ok(sizes.ingest!.bytes < sizes.runner!.bytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps what only some calls need out of the code a cold start evaluates: Bedrock in the runner only, zod and yaml behind a dynamic import", async () => {
    const dir = mkdtempSync(join(tmpdir(), "evd-build-split-"));
    try {
      for (const name of ["ingest", "runner"]) {
        const { outfile: _one, ...base } = options(name, dir);
        // With code splitting, what is only imported dynamically lands in separate chunks: the
        // entry chunk is what a cold start evaluates (the single-file build defers the same code).
        const result = await build({ ...base, outdir: join(dir, name), splitting: true, metafile: true, write: true });
        const entry = Object.keys(result.metafile.outputs).find((o) =>
          result.metafile.outputs[o]!.entryPoint?.endsWith(`functions/${name}.ts`),
        )!;
        const loaded = packagesIn(result.metafile, entry);
        for (const later of ["zod", "yaml"])
          assert.ok(!loaded.has(later), `${name}: ${later} is in the code its cold start evaluates`);
        assert.equal(loaded.has("@aws-sdk/client-bedrock-runtime"), name === "runner", `${name}: Bedrock`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
