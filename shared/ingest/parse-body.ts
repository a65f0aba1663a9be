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
  return value as Record<string, unknown>;
}
