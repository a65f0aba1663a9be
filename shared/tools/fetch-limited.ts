/** Outbound HTTP for tools: timeout, abort, no redirects followed, response size limit. */
import { ToolError } from "./errors.ts";

export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface LimitedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export async function fetchLimited(
  fetchFn: typeof fetch,
  tool: string,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
  options: { signal?: AbortSignal; timeoutMs?: number; maxBytes?: number } = {},
): Promise<LimitedResponse> {
  const maxBytes = options.maxBytes ?? MAX_RESPONSE_BYTES;
  const signals = [options.signal, options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined].filter(
    (s): s is AbortSignal => s !== undefined,
  );
  const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
  const origin = new URL(url).origin;
  let response: Response;
  try {
    response = await fetchFn(url, { ...init, redirect: "manual", signal });
  } catch (error) {
    throw new ToolError(`${tool}: request to ${origin} failed: ${(error as Error).message}`, {
      permanent: false,
      cause: error,
    });
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new ToolError(`${tool}: response from ${origin} is larger than ${maxBytes} bytes`, { permanent: true });
      }
      chunks.push(value);
    }
  }
  const body = Buffer.concat(chunks).toString("utf8");
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body };
}

/** Throws a ToolError for a non-2xx status: 408, 429 and 5xx retryable, other statuses permanent. */
export function expectOk(tool: string, what: string, response: LimitedResponse): void {
  if (response.status >= 200 && response.status < 300) return;
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new ToolError(`${tool}: ${what}: HTTP ${response.status}: ${response.body.slice(0, 300)}`, {
    permanent: !retryable,
  });
}
