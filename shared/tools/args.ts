/** Small readers for rendered tool arguments. */
import { badArgument } from "./errors.ts";

export function optionalString(
  tool: string,
  action: string,
  args: Record<string, unknown>,
  key: string,
): string | undefined {
  const value = args[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw badArgument(tool, action, `\`${key}\` must be text, got ${Array.isArray(value) ? "a list" : typeof value}`);
}

export function requiredString(tool: string, action: string, args: Record<string, unknown>, key: string): string {
  const value = optionalString(tool, action, args, key);
  if (value === undefined || value === "") throw badArgument(tool, action, `\`${key}\` is required`);
  return value;
}

/** Text of a previous step's output (strings as is, other values as JSON). */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return JSON.stringify(value, null, 2);
}
