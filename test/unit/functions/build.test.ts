import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildFunctions } from "../../../functions/build.mjs";

describe("functions/build.mjs", () => {
  it("bundles each function into one ESM file, the AWS SDK external, Bedrock only in the runner", async () => {
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
      assert.ok(ingest.includes('from"@aws-sdk/client-sqs"'), "the SDK stays external");
      assert.ok(!ingest.includes("client-bedrock-runtime"), "ingest never loads the Bedrock SDK");
      assert.ok(runner.includes('from"@aws-sdk/client-bedrock-runtime"'), "the runner has Bedrock");
      assert.ok(sizes.ingest!.bytes < sizes.runner!.bytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
