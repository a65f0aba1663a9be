#!/usr/bin/env node
// Bundles each Lambda function into a folder, dist/functions/<name>/: `index.mjs` (the handler,
// `index.handler`) and the chunks it imports on demand. Deploy the folder as the function's code.
//
// - Everything is bundled, the AWS SDK v3 included, from its ES modules (`mainFields` module
//   first, so unused code is dropped): a bundle loads without module resolution, where the SDK the
//   nodejs22.x runtime ships is hundreds of files to resolve and read. It also pins the SDK to
//   package-lock.json's versions.
// - Code splitting: what is only imported dynamically (recipe validation: zod and yaml, about
//   400 KB; the SDK's unused credential providers) goes to chunks a cold start neither reads nor
//   compiles. Compiling the source is most of a cold import (a CPU profile of importing the
//   runner: about 45 % in `compileSourceTextModule`).
// Measured with `npm run bench -- --only 6` (cold import against a minimal verify + PutItem +
// SendMessage bundle and a Probot bundle, all built with these options): see README.
// `createRequire` in the banner lets bundled CommonJS code `require` Node built-ins.
import { build } from "esbuild";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const FUNCTIONS = ["ingest", "runner"];

const root = fileURLToPath(new URL("..", import.meta.url));

/** esbuild options for function `name` (`entry` overrides its source, e.g. for the bench's other bundles). */
export function buildOptions(
  name,
  outdir = join(root, "dist", "functions"),
  entry = join(root, "functions", `${name}.ts`),
) {
  return {
    entryPoints: { index: entry },
    outdir: join(outdir, name),
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    target: "node22",
    format: "esm",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    // The ESM builds first, as the stack's bundling does (infra/constructs/orchestrator-function.ts):
    // ESM dependencies tree-shake.
    mainFields: ["module", "main"],
    banner: {
      js: "import { createRequire as __evdCreateRequire } from 'node:module'; const require = __evdCreateRequire(import.meta.url);",
    },
    logLevel: "warning",
    metafile: true,
  };
}

/** Output files loaded with the entry: the entry and every chunk it imports statically. */
export function coldStartFiles(metafile, entryFile) {
  const seen = new Set();
  const stack = [entryFile];
  while (stack.length > 0) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of metafile.outputs[file]?.imports ?? [])
      if (i.kind === "import-statement" && !i.external) stack.push(i.path);
  }
  return [...seen];
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)],
  );
}

export async function buildFunctions(outdir = join(root, "dist", "functions")) {
  mkdirSync(outdir, { recursive: true });
  const sizes = {};
  for (const name of FUNCTIONS) {
    const opts = buildOptions(name, outdir);
    rmSync(opts.outdir, { recursive: true, force: true });
    const result = await build(opts);
    const entry = join(opts.outdir, "index.mjs");
    const files = filesUnder(opts.outdir);
    const entryKey = Object.keys(result.metafile.outputs).find((o) => join(process.cwd(), o) === entry);
    const loaded = coldStartFiles(result.metafile, entryKey).map((o) => join(process.cwd(), o));
    const total = (list) => list.reduce((n, f) => n + statSync(f).size, 0);
    sizes[name] = {
      dir: relative(root, opts.outdir),
      entry,
      files: files.length,
      bytes: total(files),
      coldStartBytes: total(loaded),
      gzip: files.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0),
    };
  }
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ? join(process.cwd(), process.argv[2]) : undefined;
  const sizes = await buildFunctions(out);
  for (const [name, s] of Object.entries(sizes)) {
    console.log(
      `${name.padEnd(7)} ${s.dir}/  ${s.files} files, ${(s.bytes / 1024).toFixed(1)} KiB minified (${(s.gzip / 1024).toFixed(1)} KiB gzipped); a cold start loads ${(s.coldStartBytes / 1024).toFixed(1)} KiB`,
    );
  }
}
