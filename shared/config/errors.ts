/** Errors of the config module: one root class, every problem listed with its key path. */

export interface ConfigIssue {
  /** Key path such as `sources[2].cron` or `handlers.on-pr.steps[0].tool`; "" for the whole file. */
  readonly path: string;
  /** What was expected and what was found. */
  readonly message: string;
  /** 1-based line in the config file, when the loader could tell. */
  readonly line?: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly where: string;
  readonly issues: readonly ConfigIssue[];

  constructor(where: string, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(formatConfigIssues(where, issues), options);
    this.where = where;
    this.issues = issues;
  }
}

/** `where: N problems` followed by one `  - path (line L): message` per issue. */
export function formatConfigIssues(where: string, issues: readonly ConfigIssue[]): string {
  const head = issues.length === 1 ? `${where}: 1 problem` : `${where}: ${issues.length} problems`;
  const lines = issues.map((i) => {
    const at = [i.path, i.line === undefined ? "" : `(line ${i.line})`].filter(Boolean).join(" ");
    return `  - ${at ? `${at}: ` : ""}${i.message}`;
  });
  return [head, ...lines].join("\n");
}
