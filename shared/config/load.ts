/**
 * loadConfig: find the config file (a path, `--profile NAME`, `--bundle PATH`, or `evd.yaml`/
 * `evd.yml`/`evd.json`/`evd.toml` in cwd), read it through the ConfigFiles port (YAML, JSON, TOML
 * with the spec's `[[orchestrators]]` block, or Markdown front matter of an Amplifier profile,
 * following `profile.extends`, or bundle), parse and validate it, and say where its folder and
 * state folder are. Problems carry the line of the bad key when the file tells it.
 */
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import type { ConfigFiles } from "../ports/config-files.ts";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import { CONFIG_PATH_IN_FRONT_MATTER, MODULE_NAMES, orchestratorConfigOf, splitFrontMatter } from "./front-matter.ts";
import type { Env } from "./interpolate.ts";
import { parseKeyPath } from "./key-path-parse.ts";
import { isPlainObject, type PathSegment } from "./key-path.ts";
import { parseConfig } from "./parse.ts";
import { resolveProfileExtends } from "./profile-extends.ts";
import type { OrchestratorConfig } from "./schema.ts";
import { parseTomlText } from "./toml-text.ts";
import { parseYamlText } from "./yaml-text.ts";

export interface LoadedConfig {
  readonly config: OrchestratorConfig;
  /** Absolute path of the file read. */
  readonly configPath: string;
  /** Absolute folder relative paths resolve from (recipes, hooks, watched paths, tool roots). */
  readonly configDir: string;
  /** Absolute folder of `state_file`. */
  readonly stateDir: string;
  /** What was read leniently (the spec's comma-less TOML inline tables), for `evd validate` to show. */
  readonly notes: readonly string[];
}

export interface LoadConfigOptions {
  readonly configPath?: string;
  /** Name of an Amplifier profile: `.amplifier/profiles/NAME.md`, searched from cwd upward. */
  readonly profile?: string;
  /** Path of an Amplifier bundle (`bundle.md`, or the folder holding it). */
  readonly bundle?: string;
  readonly cwd?: string;
  readonly env: Env;
  /** How files are read (shared/node/node-config-files.ts on a machine). */
  readonly files: ConfigFiles;
}

export const DEFAULT_CONFIG_FILES = ["evd.yaml", "evd.yml", "evd.json", "evd.toml"] as const;

export async function loadConfig(opts: LoadConfigOptions): Promise<LoadedConfig> {
  const files = opts.files;
  const cwd = resolve(opts.cwd ?? files.workingDirectory());
  const file = await locate(opts, cwd);
  const where = displayPath(file, cwd);
  const text = await readText(files, file, where);
  const { raw, lineOf, notes } = await readRaw(file, text, where, files);
  const configDir = baseDirOf(file);
  let config: OrchestratorConfig;
  try {
    config = parseConfig(raw, { where, env: opts.env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(
      where,
      err.issues.map((i) => withLine(i, lineOf)),
      { cause: err },
    );
  }
  return {
    config,
    configPath: file,
    configDir,
    stateDir: dirname(resolve(configDir, config.state_file)),
    notes,
  };
}

async function locate(opts: LoadConfigOptions, cwd: string): Promise<string> {
  const { files } = opts;
  const given = [opts.configPath && "--config", opts.profile && "--profile", opts.bundle && "--bundle"].filter(Boolean);
  if (given.length > 1)
    fail("(arguments)", `give only one of --config, --profile, --bundle; found ${given.join(", ")}`);
  if (opts.configPath) return resolve(cwd, opts.configPath);
  if (opts.bundle) {
    const p = resolve(cwd, opts.bundle);
    return (await files.kind(p)) === "directory" ? join(p, "bundle.md") : p;
  }
  if (opts.profile) return findProfile(opts.profile, cwd, files);
  for (const name of DEFAULT_CONFIG_FILES) {
    const p = join(cwd, name);
    if ((await files.kind(p)) === "file") return p;
  }
  return fail(
    cwd,
    `no configuration found: looked for ${DEFAULT_CONFIG_FILES.join(", ")} in ${cwd}; pass --config FILE, --profile NAME or --bundle PATH`,
  );
}

async function findProfile(name: string, cwd: string, files: ConfigFiles): Promise<string> {
  if (!/^[A-Za-z0-9][\w.-]*$/.test(name))
    fail("--profile", `invalid profile name "${name}": expected a name such as pr-reviewer-daemon (no path)`);
  const searched: string[] = [];
  for (let dir = cwd; ; dir = dirname(dir)) {
    const p = join(dir, ".amplifier", "profiles", `${name}.md`);
    searched.push(p);
    if ((await files.kind(p)) === "file") return p;
    if (dirname(dir) === dir) break;
  }
  return fail("--profile", `profile "${name}" not found; looked for:\n      ${searched.join("\n      ")}`);
}

interface RawConfig {
  readonly raw: unknown;
  readonly lineOf: (p: readonly PathSegment[]) => number | undefined;
  readonly notes: string[];
}

async function readRaw(file: string, text: string, where: string, files: ConfigFiles): Promise<RawConfig> {
  const ext = extname(file).toLowerCase();
  if (ext === ".md" || ext === ".markdown") {
    const fm = splitFrontMatter(text);
    if (!fm) fail(where, "expected YAML front matter between `---` lines at the top of the Markdown file");
    const parsed = parseYamlText(fm.yaml, fm.lineOffset);
    if (parsed.issues.length) throw new ConfigError(where, parsed.issues);
    const merged = await resolveProfileExtends(file, parsed.data, files);
    if ("issue" in merged)
      throw new ConfigError(where, [{ ...merged.issue, line: parsed.lineOf(parseKeyPath(merged.issue.path)) }]);
    const found = orchestratorConfigOf(merged.data);
    if ("issue" in found)
      throw new ConfigError(where, [{ ...found.issue, line: parsed.lineOf(parseKeyPath(found.issue.path)) }]);
    return {
      raw: found.config,
      lineOf: (p) => parsed.lineOf([...CONFIG_PATH_IN_FRONT_MATTER, ...p]),
      notes: [],
    };
  }
  if (ext === ".toml") {
    const parsed = parseTomlText(text);
    if (parsed.issues.length) throw new ConfigError(where, parsed.issues);
    return { raw: tomlOrchestratorConfig(parsed.data, where), lineOf: () => undefined, notes: parsed.notes };
  }
  if (ext === ".json") {
    try {
      const raw: unknown = JSON.parse(text);
      const located = parseYamlText(text);
      return { raw, lineOf: located.issues.length ? () => undefined : located.lineOf, notes: [] };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const pos = /position (\d+)/.exec(message);
      const line = pos ? text.slice(0, Number(pos[1])).split("\n").length : undefined;
      throw new ConfigError(where, [{ path: "", message: `JSON syntax: ${message}`, ...(line ? { line } : {}) }], {
        cause: err,
      });
    }
  }
  const parsed = parseYamlText(text);
  if (parsed.issues.length) throw new ConfigError(where, parsed.issues);
  return { raw: parsed.data, lineOf: parsed.lineOf, notes: [] };
}

/**
 * The config in a TOML file: the `config` of the spec's `[[orchestrators]]` entry whose `module`
 * names this orchestrator, or the whole file when it has no `orchestrators`.
 */
function tomlOrchestratorConfig(data: unknown, where: string): unknown {
  if (!isPlainObject(data) || data.orchestrators === undefined) return data;
  const entries = Array.isArray(data.orchestrators) ? data.orchestrators : [data.orchestrators];
  const index = entries.findIndex((e) => isPlainObject(e) && MODULE_NAMES.includes(String(e.module)));
  if (index < 0)
    fail(
      where,
      `no [[orchestrators]] entry with module = "${MODULE_NAMES[0]}"; found ${entries.map((e) => (isPlainObject(e) ? JSON.stringify(e.module ?? null) : "a value")).join(", ") || "none"}`,
    );
  const entry = entries[index] as Record<string, unknown>;
  if (!isPlainObject(entry.config))
    fail(where, `orchestrators[${index}].config: expected the orchestrator config (an inline table); found nothing`);
  return entry.config;
}

/** The folder relative paths resolve from: the file's folder, or for `<root>/.amplifier/<kind>/x.md`, `<root>`. */
export function baseDirOf(file: string): string {
  const dir = dirname(file);
  return basename(dirname(dir)) === ".amplifier" ? dirname(dirname(dir)) : dir;
}

function withLine(issue: ConfigIssue, lineOf: (p: readonly PathSegment[]) => number | undefined): ConfigIssue {
  if (issue.line !== undefined || issue.path === "") return issue;
  const line = lineOf(parseKeyPath(issue.path));
  return line === undefined ? issue : { ...issue, line };
}

async function readText(files: ConfigFiles, file: string, where: string): Promise<string> {
  const kind = await files.kind(file);
  if (kind === undefined) fail(where, `file not found: ${file}`);
  if (kind === "directory") fail(where, `${file} is a folder, not a config file`);
  try {
    return await files.readText(file);
  } catch (err) {
    throw new ConfigError(where, [{ path: "", message: `cannot read ${file}: ${(err as Error).message}` }], {
      cause: err,
    });
  }
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") ? rel : file;
}

function fail(where: string, message: string): never {
  throw new ConfigError(where, [{ path: "", message }]);
}
