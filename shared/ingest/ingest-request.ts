/** The transport-neutral HTTP request every adapter builds (the daemon's server, API Gateway). */
export interface IngestRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case; a repeated header's values joined with ", " (as HTTP allows). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Buffer;
}

/** THE header normalisation of every adapter: names lower-cased, repeats (any case, or arrays) joined. */
export function normalizeHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    const value = typeof raw === "string" ? raw : raw.join(", ");
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${value}` : value;
  }
  return out;
}

export function ingestRequest(
  method: string,
  path: string,
  headers: Readonly<Record<string, string | readonly string[] | undefined>> | undefined,
  rawBody: Buffer,
): IngestRequest {
  return { method, path, headers: normalizeHeaders(headers), rawBody };
}
