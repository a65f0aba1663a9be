/**
 * tool-filesystem: read, write, append, list, confined to a root folder. The file I/O goes through
 * the ConfinedFiles port (confined-files.ts; Node: shared/node/node-confined-files.ts), which
 * checks and uses a path in one step, so a folder swapped for a symlink mid-operation cannot
 * lead a write outside the root.
 *
 * - read `path`: one file's text. A list of paths (e.g. `path: "{changed_files}"`) returns one
 *   text with a `--- <path> ---` header per file; listed files that no longer exist are marked
 *   `(deleted)` instead of failing (file_change batches include deletions).
 * - write/append `path`, `content`: `content` defaults to the previous step's output; `path`
 *   defaults to the handler's `config.output_path`, else `<handler>.out.md`. Parent folders are
 *   created. Writes are atomic (temporary file in the same folder, then rename).
 * - list `path` (default "."), `recursive` (default false): relative paths, folders end with "/".
 */
import { asText, optionalString } from "./args.ts";
import type { ConfinedFiles } from "./confined-files.ts";
import { ToolError, badArgument } from "./errors.ts";
import type { Tool, ToolContext, ToolResult } from "./tool.ts";

const NAME = "tool-filesystem";
/** Files larger than this are refused by `read`. */
export const MAX_READ_BYTES = 5 * 1024 * 1024;

async function readOne(files: ConfinedFiles, userPath: string): Promise<string> {
  const text = await files.readText(userPath, { action: "read", maxBytes: MAX_READ_BYTES });
  if (text === undefined)
    throw new ToolError(`${NAME} read: "${userPath}" does not exist under ${files.root}`, { permanent: true });
  return text;
}

async function read(files: ConfinedFiles, args: Record<string, unknown>): Promise<ToolResult> {
  const path = args.path;
  if (Array.isArray(path)) {
    const parts: string[] = [];
    for (const item of path) {
      if (typeof item !== "string") throw badArgument(NAME, "read", "`path` list must hold text paths");
      const text = await files.readText(item, { action: "read", maxBytes: MAX_READ_BYTES });
      parts.push(`--- ${item} ---\n${text ?? "(deleted)"}`);
    }
    const shown = path.length > 5 ? `${path.slice(0, 5).join(",")} (+${path.length - 5} more)` : path.join(",");
    return { output: parts.join("\n\n"), target: shown };
  }
  const single = optionalString(NAME, "read", args, "path");
  if (!single) throw badArgument(NAME, "read", "`path` is required (a path or a list of paths)");
  return { output: await readOne(files, single), target: single };
}

function targetPath(args: Record<string, unknown>, action: string, ctx: ToolContext): string {
  const given = optionalString(NAME, action, args, "path");
  if (given) return given;
  const configured = ctx.handlerConfig?.output_path;
  if (typeof configured === "string" && configured !== "") return configured;
  return `${ctx.handler}.out.md`;
}

async function write(
  files: ConfinedFiles,
  args: Record<string, unknown>,
  ctx: ToolContext,
  action: "write" | "append",
): Promise<ToolResult> {
  const userPath = targetPath(args, action, ctx);
  const content = args.content !== undefined ? asText(args.content) : asText(ctx.previousOutput);
  const rel = await files.writeText(userPath, content, { action, append: action === "append" });
  return { output: { path: rel, bytes: Buffer.byteLength(content) }, target: rel };
}

async function list(files: ConfinedFiles, args: Record<string, unknown>): Promise<ToolResult> {
  const userPath = optionalString(NAME, "list", args, "path") ?? ".";
  const recursive = args.recursive === true || args.recursive === "true";
  return { output: await files.list(userPath, { action: "list", recursive }), target: userPath };
}

export function filesystemTool(files: ConfinedFiles): Tool {
  return {
    name: NAME,
    async run(action, args, ctx) {
      switch (action) {
        case "read":
          return read(files, args);
        case "write":
          return write(files, args, ctx, "write");
        case "append":
          return write(files, args, ctx, "append");
        case "list":
          return list(files, args);
        default:
          throw badArgument(NAME, action, "unknown action; expected read, write, append or list");
      }
    },
  };
}
