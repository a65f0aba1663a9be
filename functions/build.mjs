#!/usr/bin/env node
// Bundles each Lambda function into one minified ESM file: dist/functions/<name>.mjs.
// The AWS SDK v3 (`@aws-sdk/*`, including lib-dynamodb) is left external: the nodejs22.x runtime
// ships it, which keeps the bundles small and cold starts short. Powertools, zod, yaml and our own
// code are bundled. `createRequire` in the banner lets bundled CommonJS code `require` Node built-ins.
import { build } from "esbuild";
import { mkdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const FUNCTIONS = ["ingest", "runner"];

const root = fileURLToPath(new URL("..", import.meta.url));

export function buildOptions(name, outdir = join(root, "dist", "functions")) {
  return {
    entryPoints: [join(root, "functions", `${name}.ts`)],
    outfile: join(outdir, `${name}.mjs`),
    bundle: true,
    platform: "node",
    // The ESM builds first, as the stack's bundling does (infra/constructs/orchestrator-function.ts):
    // what is measured here is what is deployed, and ESM dependencies tree-shake.
    mainFields: ["module", "main"],
    target: "node22",
    format: "esm",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    external: ["@aws-sdk/*", "@smithy/*"],
    banner: {
      js: "import { createRequire as __evdCreateRequire } from 'node:module'; const require = __evdCreateRequire(import.meta.url);",
    },
    logLevel: "warning",
    metafile: true,
  };
}

export async function buildFunctions(outdir = join(root, "dist", "functions")) {
  mkdirSync(outdir, { recursive: true });
  const sizes = {};
  for (const name of FUNCTIONS) {
    const opts = buildOptions(name, outdir);
    await build(opts);
    const bytes = statSync(opts.outfile).size;
    sizes[name] = { file: relative(root, opts.outfile), bytes, gzip: gzipSync(readFileSync(opts.outfile)).length };
  }
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ? join(process.cwd(), process.argv[2]) : undefined;
  const sizes = await buildFunctions(out);
  for (const [name, s] of Object.entries(sizes)) {
    console.log(
      `${name.padEnd(7)} ${s.file}  ${(s.bytes / 1024).toFixed(1)} KiB minified, ${(s.gzip / 1024).toFixed(1)} KiB gzipped`,
    );
  }
}
