/**
 * How adapters reach AWS: region, optional endpoint (emulator, LocalStack), optional static
 * credentials, and the time a call may take. Clients are built from this lazily, on first use, so
 * a function never pays for a client it does not call.
 *
 * Every client gets explicit timeouts: the SDK's defaults wait for a connection and an answer
 * without bound, so one stuck call would hold a webhook until the Lambda is killed (GitHub gives up
 * after 10 s) or a job until its lease ends.
 */
export interface SdkTimeouts {
  /** Longest wait for a TCP/TLS connection. */
  readonly connectMs: number;
  /** Longest wait for an answer once the request is sent. */
  readonly requestMs: number;
  /** Tries per call, the first included (the SDK retries throttling and 5xx). */
  readonly maxAttempts: number;
}

/** Every client's default: a few seconds per try, three tries. */
export const DEFAULT_SDK_TIMEOUTS: SdkTimeouts = { connectMs: 2_000, requestMs: 5_000, maxAttempts: 3 };

/**
 * The ingest's: it answers a webhook sender that waits 10 s at most (GitHub), through about four
 * calls (secret, event record, send, sent mark), each normally tens of milliseconds.
 */
export const INGEST_SDK_TIMEOUTS: SdkTimeouts = { connectMs: 500, requestMs: 1_500, maxAttempts: 2 };

export interface AwsConnection {
  readonly region?: string;
  /** Overrides the service endpoint (DynamoDB Local, the SQS emulator, LocalStack). */
  readonly endpoint?: string;
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /** @default DEFAULT_SDK_TIMEOUTS */
  readonly timeouts?: SdkTimeouts;
}

export interface SdkClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: true };
}

export function sdkConfig(conn: AwsConnection = {}): SdkClientConfig {
  const t = conn.timeouts ?? DEFAULT_SDK_TIMEOUTS;
  return {
    ...(conn.region ? { region: conn.region } : {}),
    ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
    ...(conn.credentials ? { credentials: { ...conn.credentials } } : {}),
    maxAttempts: t.maxAttempts,
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes, and waits on.
    requestHandler: { connectionTimeout: t.connectMs, requestTimeout: t.requestMs, throwOnRequestTimeout: true },
  };
}

/** A value built on first call and reused after. */
export function lazy<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}
