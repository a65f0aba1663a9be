/**
 * Figure 6: cold import of the Lambda bundles. Each bundle is built with functions/build.mjs's own
 * esbuild options (minified ESM, AWS SDK bundled, code splitting) into dist/bench-bundles/<name>/,
 * then its index.mjs imported in a fresh `node` on the target core, `samples` times each,
 * alternating bundles. A bundle's figure is the median of its import times minus the median for an
 * empty bundle (what loading any module costs).
 *   ingest, runner: functions/ingest.ts, functions/runner.ts
 *   minimal: bench/cold-import/minimal-ingest.ts (verify + PutItem + SendMessage)
 *   probot: bench/cold-import/probot-lambda.ts (Probot + @probot/adapter-aws-lambda-serverless)
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { onTargetCore, type Cores } from "../lib/cores.ts";
import { Comparison, figure, type FigureResult } from "../lib/results.ts";
import { median } from "../lib/stats.ts";

export interface ColdImportOptions {
  readonly cores: Cores;
  readonly samples: number;
  readonly say: (line: string) => void;
}

const root = fileURLToPath(new URL("../..", import.meta.url));
const BUNDLES = {
  empty: join(root, "bench", "cold-import", "empty.ts"),
  minimal: join(root, "bench", "cold-import", "minimal-ingest.ts"),
  ingest: join(root, "functions", "ingest.ts"),
  runner: join(root, "functions", "runner.ts"),
  probot: join(root, "bench", "cold-import", "probot-lambda.ts"),
} as const;
type BundleName = keyof typeof BUNDLES;

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<unknown>;
}
interface BuildModule {
  buildOptions(name: string, outdir: string, entry?: string): Record<string, unknown>;
}

async function buildAll(outdir: string): Promise<Record<BundleName, string>> {
  mkdirSync(outdir, { recursive: true });
  const { build } = (await import("esbuild")) as EsbuildLike;
  const { buildOptions } = (await import(join(root, "functions", "build.mjs"))) as BuildModule;
  const out = {} as Record<BundleName, string>;
  for (const [name, entry] of Object.entries(BUNDLES) as [BundleName, string][]) {
    rmSync(join(outdir, name), { recursive: true, force: true });
    await build({ ...buildOptions(name, outdir, entry), metafile: false });
    out[name] = join(outdir, name, "index.mjs");
  }
  return out;
}

const IMPORT_TIMER =
  "const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));";

export async function coldImportFigures(o: ColdImportOptions): Promise<FigureResult[]> {
  const files = await buildAll(join(root, "dist", "bench-bundles"));
  // Probot reads its app's credentials at load: a throwaway key and id (nothing is called).
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const env = {
    ...process.env,
    APP_ID: "1",
    PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    WEBHOOK_SECRET: "bench",
    LOG_LEVEL: "warn" as const,
    AWS_REGION: "us-east-1",
  };
  const run = promisify(execFile);
  const times: Record<BundleName, number[]> = { empty: [], minimal: [], ingest: [], runner: [], probot: [] };
  const names = Object.keys(BUNDLES) as BundleName[];
  for (let i = 0; i < o.samples; i++) {
    const order = names.map((_, k) => names[(k + i) % names.length]!);
    for (const name of order) {
      const [cmd, args] = onTargetCore(o.cores, ["--input-type=module", "-e", IMPORT_TIMER, files[name]]);
      const { stdout } = await run(cmd, args, { env, cwd: root });
      times[name].push(Number(stdout));
    }
  }
  const zero = median(times.empty);
  const extra = (n: BundleName) => times[n].map((t) => Math.max(0, t - zero));
  /** Bytes of the bundle's folder (entry and chunks). */
  const size = (n: BundleName) => {
    const dir = dirname(files[n]);
    const walk = (d: string): number =>
      readdirSync(d, { withFileTypes: true }).reduce(
        (sum, e) => sum + (e.isDirectory() ? walk(join(d, e.name)) : statSync(join(d, e.name)).size),
        0,
      );
    return walk(dir);
  };
  for (const n of names)
    o.say(
      `  ${n.padEnd(8)} median import ${median(times[n]).toFixed(1)} ms (extra ${(median(times[n]) - zero).toFixed(1)} ms; ${(size(n) / 1024).toFixed(0)} KiB)`,
    );
  const detail = (n: BundleName) => ({
    samples_ms: times[n].map((t) => Math.round(t * 10) / 10),
    bundle_bytes: size(n),
  });
  const perSample = (a: BundleName, b: BundleName) => extra(a).map((v, i) => v / Math.max(0.001, extra(b)[i]!));
  return [
    figure({
      id: "6.ingest",
      figure: 6,
      title: "Lambda cold import, ingest: extra import time vs a minimal verify + PutItem + SendMessage bundle",
      unit: "ms",
      values: extra("ingest"),
      baselineName: "minimal verify + PutItem + SendMessage bundle",
      baselines: extra("minimal"),
      ratios: [median(extra("ingest")) / median(extra("minimal"))],
      target: { on: "ratio", op: Comparison.AT_MOST, limit: 1.3 },
      detail: { ingest: detail("ingest"), minimal: detail("minimal"), empty_median_ms: zero },
    }),
    figure({
      id: "6.runner",
      figure: 6,
      title: "Lambda cold import, runner: extra import time vs the minimal bundle",
      unit: "ms",
      values: extra("runner"),
      baselineName: "minimal verify + PutItem + SendMessage bundle",
      baselines: extra("minimal"),
      ratios: [median(extra("runner")) / median(extra("minimal"))],
      target: { on: "ratio", op: Comparison.AT_MOST, limit: 2 },
      detail: { runner: detail("runner") },
    }),
    figure({
      id: "6.probot-ingest",
      figure: 6,
      title: "Lambda cold import: how many times faster the ingest imports than a Probot bundle",
      unit: "x",
      values: [median(extra("probot")) / median(extra("ingest"))],
      target: { on: "value", op: Comparison.AT_LEAST, limit: 4 },
      detail: { probot: detail("probot"), per_sample: perSample("probot", "ingest") },
    }),
    figure({
      id: "6.probot-runner",
      figure: 6,
      title: "Lambda cold import: how many times faster the runner imports than a Probot bundle",
      unit: "x",
      values: [median(extra("probot")) / median(extra("runner"))],
      target: { on: "value", op: Comparison.AT_LEAST, limit: 4 },
    }),
  ];
}
