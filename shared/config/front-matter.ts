/**
 * Amplifier profiles (`.amplifier/profiles/NAME.md`) and bundles (`bundle.md`): Markdown with YAML
 * front matter. The orchestrator config sits under `session.orchestrator.config`, and
 * `session.orchestrator.module` must name this orchestrator.
 */
import type { ConfigIssue } from "./errors.ts";
import { isPlainObject } from "./key-path.ts";

export const MODULE_NAMES: readonly string[] = ["loop-event-driven", "amplifier-module-loop-event-driven"];
export const CONFIG_PATH_IN_FRONT_MATTER = ["session", "orchestrator", "config"] as const;

export interface FrontMatter {
  /** The YAML text between the `---` lines. */
  readonly yaml: string;
  /** Lines before the YAML text starts (the opening `---`). */
  readonly lineOffset: number;
}

export function splitFrontMatter(text: string): FrontMatter | undefined {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== "---") return undefined;
  const end = lines.findIndex((l, i) => i > 0 && (l.trim() === "---" || l.trim() === "..."));
  if (end < 0) return undefined;
  return { yaml: lines.slice(1, end).join("\n"), lineOffset: 1 };
}

/** The orchestrator config inside parsed front matter, or the issue that says why there is none. */
export function orchestratorConfigOf(frontMatter: unknown): { config: unknown } | { issue: ConfigIssue } {
  const session = isPlainObject(frontMatter) ? frontMatter.session : undefined;
  const orchestrator = isPlainObject(session) ? session.orchestrator : undefined;
  if (!isPlainObject(orchestrator)) {
    return {
      issue: {
        path: "session.orchestrator",
        message: `no orchestrator in the front matter: expected session.orchestrator.module: ${MODULE_NAMES[0]} with the config under session.orchestrator.config`,
      },
    };
  }
  const module = orchestrator.module;
  if (typeof module !== "string" || !MODULE_NAMES.includes(module)) {
    return {
      issue: {
        path: "session.orchestrator.module",
        message: `expected "${MODULE_NAMES[0]}"; found ${typeof module === "string" ? `"${module}": this file configures another orchestrator` : "nothing"}`,
      },
    };
  }
  if (!isPlainObject(orchestrator.config)) {
    return {
      issue: {
        path: "session.orchestrator.config",
        message: "expected the orchestrator config (an object with `sources` and `handlers`); found nothing",
      },
    };
  }
  return { config: orchestrator.config };
}
