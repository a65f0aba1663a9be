/**
 * The tool registry: exactly the tools and actions of catalog.ts, built from the config's `tools`
 * section. Relative `root`/`repo` settings resolve against `baseDir` (the config folder).
 */
import { resolve } from "node:path";
import type { OrchestratorConfig } from "../config/schema.ts";
import { resolveSecret } from "../config/secret-ref.ts";
import type { HandlerStateStore } from "../ports/handler-state-store.ts";
import { nodeFetch } from "../node/node-fetch.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import { TOOL_ACTIONS, type ToolName } from "./catalog.ts";
import { ToolError } from "./errors.ts";
import { filesystemTool } from "./filesystem.ts";
import { gitAdvancedTool } from "./git-advanced.ts";
import { githubTool } from "./github.ts";
import { httpTool } from "./http.ts";
import { slackTool } from "./slack.ts";
import { stateTool } from "./state.ts";
import type { Tool } from "./tool.ts";

export interface ToolRegistryDeps {
  readonly secrets: SecretStore;
  /** The config folder: default filesystem root and git repository; base of relative settings. */
  readonly baseDir: string;
  readonly fetch?: typeof fetch;
  /** tool-github appends it to every comment (guardrails.self_comments.marker). @default none */
  readonly commentMarker?: string;
  /** The handlers' durable state, for tool-state (absent: tool-state says it is unavailable). */
  readonly handlerState?: HandlerStateStore;
}

export interface ToolRegistry {
  /** The tool, or a permanent ToolError for an unknown tool or action. */
  get(name: string, action: string): Tool;
}

function secretGetter(
  value: string | undefined,
  secrets: SecretStore,
  what: string,
): () => Promise<string | undefined> {
  return async () => {
    if (value === undefined || value === "") return undefined;
    try {
      return await resolveSecret(value, secrets);
    } catch (error) {
      throw new ToolError(`${what} could not be resolved: ${(error as Error).message}`, {
        permanent: true,
        cause: error,
      });
    }
  };
}

/** The folder tool-filesystem is confined to: `tools.tool-filesystem.root` (relative to baseDir) or baseDir. */
export function filesystemRootOf(tools: OrchestratorConfig["tools"], baseDir: string): string {
  return resolve(baseDir, tools["tool-filesystem"]?.root ?? ".");
}

export function createToolRegistry(tools: OrchestratorConfig["tools"], deps: ToolRegistryDeps): ToolRegistry {
  const fetchFn = deps.fetch ?? nodeFetch;
  const fsRoot = filesystemRootOf(tools, deps.baseDir);
  const repo = resolve(deps.baseDir, tools["tool-git-advanced"]?.repo ?? ".");
  const http = tools["tool-http"];
  const github = tools["tool-github"];
  const built: Record<ToolName, Tool> = {
    "tool-filesystem": filesystemTool(fsRoot),
    "tool-git-advanced": gitAdvancedTool(repo),
    "tool-http": httpTool({
      allowHosts: http?.allow_hosts ?? [],
      timeoutMs: http?.timeout_ms ?? 10_000,
      fetch: fetchFn,
    }),
    "tool-slack": slackTool({
      webhookUrl: secretGetter(tools["tool-slack"]?.webhook_url, deps.secrets, "tools.tool-slack.webhook_url"),
      fetch: fetchFn,
    }),
    "tool-github": githubTool({
      baseUrl: github?.base_url ?? "https://api.github.com",
      token: secretGetter(github?.token, deps.secrets, "tools.tool-github.token"),
      fetch: fetchFn,
      ...(deps.commentMarker !== undefined ? { commentMarker: deps.commentMarker } : {}),
    }),
    "tool-state": stateTool(deps.handlerState),
  };
  return {
    get(name, action) {
      const actions = (TOOL_ACTIONS as Record<string, readonly string[]>)[name];
      if (!actions)
        throw new ToolError(`unknown tool "${name}"; known tools: ${Object.keys(TOOL_ACTIONS).join(", ")}`, {
          permanent: true,
        });
      if (!actions.includes(action))
        throw new ToolError(`tool "${name}" has no action "${action}"; its actions: ${actions.join(", ")}`, {
          permanent: true,
        });
      return built[name as ToolName];
    },
  };
}
