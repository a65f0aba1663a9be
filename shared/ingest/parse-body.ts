/**
 * Request bodies -> payload objects. JSON (an object), or `application/x-www-form-urlencoded`
 * (GitHub's form content type: the JSON sits in a `payload` field; other form posts become an
 * object of their fields). Errors say what is wrong and where (JSON parse position).
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

export function parseRequestBody(
  rawBody: Buffer,
  contentType: string | undefined,
  opts: { requirePayloadField: boolean; emptyIsObject: boolean },
): Record<string, unknown> {
  const text = decodeUtf8(rawBody);
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") {
    const form = new URLSearchParams(text);
    const payload = form.get("payload");
    if (payload !== null) return parseJsonObject(payload, "form field `payload`");
    if (opts.requirePayloadField) throw new BodyParseError("form-encoded body has no `payload` field");
    return Object.fromEntries(form.entries());
  }
  if (text.trim() === "" && opts.emptyIsObject) return {};
  return parseJsonObject(text, "body");
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
