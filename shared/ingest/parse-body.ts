/**
 * Request bodies -> payload objects, whatever the Content-Type says: a body that is JSON is read
 * as JSON (the spec's `curl -d '{...}'` sends JSON labelled form-urlencoded); a form body with a
 * `payload` field is GitHub's form delivery, whose JSON sits in that field. An empty body, or one
 * that is neither, is refused with what was found. The signature was checked on the raw bytes
 * before any of this.
 */
export class BodyParseError extends Error {
  override readonly name = "BodyParseError";
}

/**
 * Deepest nesting of objects and arrays a body may have. JSON.parse takes any depth, but storing,
 * routing and templating a payload recurse: a 100,000-deep body would overflow the stack there
 * and be mistaken for a queue failure (503) instead of the bad request it is.
 */
export const MAX_JSON_DEPTH = 256;

const FORM_TYPE = "application/x-www-form-urlencoded";

export function parseRequestBody(rawBody: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = decodeUtf8(rawBody);
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const trimmed = text.trim();
  if (trimmed === "") throw new BodyParseError("the body is empty: expected a JSON object");
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
    const payload = formPayload(text);
    if (payload !== undefined) return parseJsonObject(payload, "form field `payload`");
    throw new BodyParseError(
      `the body is not JSON: expected a JSON object${type === FORM_TYPE ? ", or GitHub's form delivery (a `payload` field holding JSON)" : ""}; found ${JSON.stringify(trimmed.slice(0, 40))}${trimmed.length > 40 ? "..." : ""}`,
    );
  }
  return parseJsonObject(text, "body");
}

/** The `payload` field of a form-encoded body, if it is one. */
function formPayload(text: string): string | undefined {
  if (!/^[\w.%-]+=/.test(text)) return undefined;
  return new URLSearchParams(text).get("payload") ?? undefined;
}

function decodeUtf8(raw: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new BodyParseError("body is not valid UTF-8");
  }
}

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BodyParseError(`${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BodyParseError(
      `${what} must be a JSON object, found ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`,
    );
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH))
    throw new BodyParseError(`${what} nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`);
  return value as Record<string, unknown>;
}

/** Iterative (a recursive walk would overflow on the very input it looks for); about 2 µs for a GitHub payload. */
function nestedDeeperThan(root: object, max: number): boolean {
  const stack: object[] = [root];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (typeof child === "object" && child !== null) {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
