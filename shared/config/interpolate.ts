/**
 * `${VAR}` and `${VAR:-default}` interpolation of the string values of a raw config, from an env
 * map passed in (never process.env). `$${` writes a literal `${`. The values of secret-bearing keys
 * written exactly `${NAME}` are kept as references (see secret-ref.ts). Interpolation happens once,
 * on the config text only: templates such as `{payload.x}` are left to the pipeline.
 */
import type { ConfigIssue } from "./errors.ts";
import { formatKeyPath, isPlainObject, type PathSegment } from "./key-path.ts";
import { isKeptSecretRef } from "./secret-ref.ts";

export type Env = Readonly<Record<string, string | undefined>>;

const TOKEN = /\$\$\{|\$\{([^}]*)(\})?/g;
const BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

export interface Interpolated {
  readonly value: unknown;
  readonly issues: ConfigIssue[];
  /** Paths of values written as one whole `${...}`: they may be read as numbers or booleans. */
  readonly wholeRefs: PathSegment[][];
}

const WHOLE_REF = /^\$\{[^}]*\}$/;

export function interpolateEnv(input: unknown, env: Env): Interpolated {
  const issues: ConfigIssue[] = [];
  const wholeRefs: PathSegment[][] = [];
  const walk = (v: unknown, path: PathSegment[]): unknown => {
    if (typeof v === "string") {
      if (isKeptSecretRef(path[path.length - 1], v)) return v;
      if (WHOLE_REF.test(v)) wholeRefs.push(path);
      return interpolateString(v, env, (message) => issues.push({ path: formatKeyPath(path), message }));
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...path, k]);
      return out;
    }
    return v;
  };
  const value = walk(input, []);
  return { value, issues, wholeRefs };
}

/** Interpolates one string; problems go to `report` and leave the reference in place. */
export function interpolateString(text: string, env: Env, report: (message: string) => void): string {
  return text.replace(TOKEN, (match: string, body: string | undefined, close: string | undefined) => {
    if (match === "$${") return "${";
    if (close === undefined) {
      report(
        `unterminated "\${" in ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)}; write $\${ for a literal "\${"`,
      );
      return match;
    }
    const m = BODY.exec(body ?? "");
    if (!m) {
      report(
        `malformed reference "${match}": expected \${NAME} or \${NAME:-default} (NAME: letters, digits, _); write $\${ for a literal "\${"`,
      );
      return match;
    }
    const [, name, fallback] = m as unknown as [string, string, string | undefined];
    const found = env[name];
    if (fallback !== undefined) return found === undefined || found === "" ? fallback : found;
    if (found === undefined) {
      report(
        `environment variable ${name} is not set (referenced as \${${name}}; write \${${name}:-default} to give a default)`,
      );
      return match;
    }
    return found;
  });
}
