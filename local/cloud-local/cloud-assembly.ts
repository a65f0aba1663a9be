/**
 * Reads a CDK cloud assembly (`cdk.out`): its manifest, the stacks in it (nested assemblies of
 * CDK Stages included), each stack's template, and the asset folders its resources point at.
 * Only what the synth wrote is read: nothing here knows how the stack was built.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { TemplateError } from "./errors.ts";
import type { CfnTemplate } from "./template.ts";

export interface StackArtifact {
  /** The CloudFormation stack name. */
  readonly stackName: string;
  /** The artifact id (the construct path for nested Stage stacks). */
  readonly artifactId: string;
  readonly assemblyDir: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
  /** `us-east-1`, or undefined for an environment-agnostic stack. */
  readonly region?: string;
  readonly account?: string;
  /** Asset manifest entries: object key (`<hash>.zip`) -> the asset's folder or file in the assembly. */
  readonly assetPaths: ReadonlyMap<string, string>;
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly properties?: {
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly file?: string;
    readonly directoryName?: string;
  };
  readonly dependencies?: readonly string[];
  readonly displayName?: string;
}

interface AssetManifest {
  readonly files?: Readonly<
    Record<
      string,
      {
        readonly source?: { readonly path?: string; readonly packaging?: string };
        readonly destinations?: Readonly<Record<string, { readonly objectKey?: string }>>;
      }
    >
  >;
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new TemplateError(`${what} ${file} could not be read: ${(err as Error).message}`, { cause: err });
  }
}

/** Every stack of the assembly in `dir`, in manifest order. */
export function readCloudAssembly(dir: string): StackArtifact[] {
  const assemblyDir = resolve(dir);
  const manifestFile = join(assemblyDir, "manifest.json");
  if (!existsSync(manifestFile))
    throw new TemplateError(
      `${assemblyDir} is not a cloud assembly (no manifest.json): synthesize first (\`npx cdk synth -o ${dir}\`) or let \`evd cloud local\` run the synth`,
    );
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(manifestFile, "the assembly manifest");
  const artifacts = manifest.artifacts ?? {};
  const stacks: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type === "cdk:cloud-assembly" && artifact.properties?.directoryName) {
      stacks.push(...readCloudAssembly(join(assemblyDir, artifact.properties.directoryName)));
      continue;
    }
    if (artifact.type !== "aws:cloudformation:stack" || !artifact.properties?.templateFile) continue;
    const templateFile = join(assemblyDir, artifact.properties.templateFile);
    const template = readJson<CfnTemplate>(templateFile, `the template of stack ${id}`);
    if (typeof template !== "object" || template === null || typeof template.Resources !== "object")
      throw new TemplateError(`${templateFile}: a CloudFormation template needs a Resources object`);
    const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? "");
    const account = env && env[1] !== "unknown-account" ? env[1] : undefined;
    const region = env && env[2] !== "unknown-region" ? env[2] : undefined;
    stacks.push({
      stackName: artifact.properties.stackName ?? id,
      artifactId: id,
      assemblyDir,
      templateFile,
      template,
      ...(region ? { region } : {}),
      ...(account ? { account } : {}),
      assetPaths: assetPathsOf(assemblyDir, artifact, artifacts),
    });
  }
  return stacks;
}

function assetPathsOf(
  assemblyDir: string,
  stack: ManifestArtifact,
  artifacts: Readonly<Record<string, ManifestArtifact>>,
): Map<string, string> {
  const paths = new Map<string, string>();
  for (const dep of stack.dependencies ?? []) {
    const a = artifacts[dep];
    if (a?.type !== "cdk:asset-manifest" || !a.properties?.file) continue;
    const assets = readJson<AssetManifest>(join(assemblyDir, a.properties.file), "the asset manifest");
    for (const entry of Object.values(assets.files ?? {})) {
      if (!entry.source?.path) continue;
      for (const d of Object.values(entry.destinations ?? {}))
        if (d.objectKey) paths.set(d.objectKey, join(assemblyDir, entry.source.path));
    }
  }
  return paths;
}

/** Picks the stack to run: the one named, or the only one. */
export function selectStack(stacks: readonly StackArtifact[], name: string | undefined, dir: string): StackArtifact {
  if (stacks.length === 0) throw new TemplateError(`the cloud assembly ${dir} holds no CloudFormation stack`);
  if (name) {
    const found = stacks.find((s) => s.stackName === name || s.artifactId === name);
    if (!found)
      throw new TemplateError(
        `no stack named "${name}" in ${dir}; it holds: ${stacks.map((s) => s.stackName).join(", ")}`,
      );
    return found;
  }
  if (stacks.length > 1)
    throw new TemplateError(
      `the cloud assembly ${dir} holds ${stacks.length} stacks (${stacks.map((s) => s.stackName).join(", ")}): name one with --stack`,
    );
  return stacks[0]!;
}

/** True when `path` is a folder (an unzipped asset), as the local esbuild bundling writes them. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
