/** One JSON POST for the HTTP providers: status classification, no secrets in errors. */
import { ProviderError, isRetryableStatus } from "./errors.ts";

export async function postJson(
  fetchFn: typeof fetch,
  provider: string,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw new ProviderError(`${provider}: request aborted`, { permanent: false, cause: error });
    throw new ProviderError(`${provider}: request to ${new URL(url).origin} failed: ${(error as Error).message}`, {
      permanent: false,
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string } | string };
      const message = typeof parsed.error === "string" ? parsed.error : parsed.error?.message;
      if (message) detail = message;
    } catch {
      // not JSON: keep the text excerpt
    }
    throw new ProviderError(`${provider}: HTTP ${response.status}: ${detail}`, {
      status: response.status,
      permanent: !isRetryableStatus(response.status),
    });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ProviderError(`${provider}: response is not JSON`, {
      status: response.status,
      permanent: false,
      cause: error,
    });
  }
}
