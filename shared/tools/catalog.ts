/**
 * The tools and actions a config may name. Config validation checks steps against it, so an unknown
 * tool or action fails at load time, not at run time. The registry (shared/tools/registry.ts)
 * must implement exactly these.
 */
export const TOOL_ACTIONS = {
  "tool-filesystem": ["read", "write", "list", "append"],
  "tool-git-advanced": ["log", "diff"],
  "tool-http": ["request"],
  "tool-slack": ["post"],
  "tool-github": ["get_pr_diff", "post_pr_comment", "upsert_issue"],
  "tool-state": ["get", "set"],
} as const satisfies Record<string, readonly string[]>;

export type ToolName = keyof typeof TOOL_ACTIONS;
export const TOOL_NAMES = Object.keys(TOOL_ACTIONS) as ToolName[];
