/**
 * The page the dashboard serves: `page/index.html`, `page/app.css`, and `page/main.ts` bundled by
 * esbuild in memory (one IIFE, no source maps, nothing fetched from the network at run time).
 * Built once per process, on first use, so a daemon nobody looks at never loads esbuild.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export interface PageAssets {
  readonly html: string;
  readonly css: string;
  readonly js: string;
}

const pageDir = fileURLToPath(new URL("./page/", import.meta.url));

let loading: Promise<PageAssets> | undefined;

export function pageAssets(): Promise<PageAssets> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined; // a failed build is tried again on the next request
    throw err;
  });
  return loading;
}

async function load(): Promise<PageAssets> {
  const { build } = await import("esbuild");
  const bundle = await build({
    entryPoints: [`${pageDir}main.ts`],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  const js = bundle.outputFiles[0]?.text;
  if (js === undefined) throw new Error("esbuild produced no output for the dashboard page");
  const [html, css] = await Promise.all([
    readFile(`${pageDir}index.html`, "utf8"),
    readFile(`${pageDir}app.css`, "utf8"),
  ]);
  return { html, css, js };
}
