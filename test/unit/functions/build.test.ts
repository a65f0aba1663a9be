import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { build, type BuildOptions, type Metafile } from "esbuild";
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildFunctions, buildOptions, coldStartFiles } from "../../../functions/build.mjs";

const options = buildOptions as (name: string, outdir: string) => BuildOptions;
const coldStart = coldStartFiles as (meta: Metafile, entry: string) => string[];

interface Sizes {
  readonly entry: string;
  readonly bytes: number;
  readonly coldStartBytes: number;
}

describe("functions/build.mjs", () => {
  it("bundles each function, AWS SDK included, into a folder whose index.mjs a fresh process loads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "evd-build-"));
    try {
      const sizes = (await buildFunctions(dir)) as Record<string, Sizes>;
      assert.deepEqual(Object.keys(sizes).sort(), ["ingest", "runner"]);
      for (const [name, s] of Object.entries(sizes)) {
        assert.equal(s.entry, join(dir, name, "index.mjs"));
        const text = readFileSync(s.entry, "utf8");
        assert.ok(
          text.startsWith("import { createRequire as __evdCreateRequire } from 'node:module';"),
          `${name}: the createRequire banner comes first`,
        );
        assert.doesNotMatch(text, /from\s*"@(aws-sdk|smithy)\//, `${name}: the AWS SDK is bundled, not imported`);
        assert.ok(s.coldStartBytes < s.bytes, `${name}: some code is left to chunks loaded on demand`);
        // A fresh process loads the bundle and finds the handler (nothing is called).
        const out = execFileSync(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            "const m = await import(process.argv[1]); console.log(typeof m.handler);",
            s.entry,
          ],
          { env: { ...process.env, AWS_REGION: "us-east-1" }, stdio: ["ignore", "pipe", "ignore"] },
        );
        assert.equal(out.toString().trim(), "function", `${name} exports its handler`);
      }
      assert.ok(sizes.ingest!.coldStartBytes < sizes.runner!.coldStartBytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps what only some calls need out of what a cold start loads: Bedrock in the runner only; recipe validation (zod, yaml), S3 and SSM on demand", async () => {
    const dir = mkdtempSync(join(tmpdir(), "evd-build-split-"));
    try {
      for (const name of ["ingest", "runner"]) {
        const result = await build({ ...options(name, dir), write: false });
        const entry = Object.keys(result.metafile!.outputs).find((o) => o.endsWith(`${name}/index.mjs`))!;
        const loaded = new Set(
          coldStart(result.metafile!, entry).flatMap((o) =>
            Object.keys(result.metafile!.outputs[o]!.inputs).map(
              (f) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(f)?.[1] ?? "(own)",
            ),
          ),
        );
        for (const later of ["zod", "yaml", "@aws-sdk/client-s3", "@aws-sdk/client-ssm"])
          assert.ok(!loaded.has(later), `${name}: ${later} is in the code its cold start loads`);
        assert.equal(loaded.has("@aws-sdk/client-bedrock-runtime"), name === "runner", `${name}: Bedrock`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
