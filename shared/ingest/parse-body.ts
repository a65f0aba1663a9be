/**
 * Request bodies -> payload objects. JSON (an object), or `application/x-www-form-urlencoded`
 * (GitHub's form content type: the JSON sits in a `payload` field; other form posts become an
 * object of their fields). Errors say what is wrong and where (JSON parse position).
 */
export class BodyParseError extends Error {
  override readonly name = "BodyParseError";
}

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
  return value as Record<string, unknown>;
}
