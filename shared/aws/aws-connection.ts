/**
 * How adapters reach AWS: region, optional endpoint (emulator, LocalStack) and optional static
 * credentials. Clients are built from this lazily, on first use, so a function never pays for a
 * client it does not call.
 */
export interface AwsConnection {
  readonly region?: string;
  /** Overrides the service endpoint (DynamoDB Local, the SQS emulator, LocalStack). */
  readonly endpoint?: string;
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

export interface SdkClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function sdkConfig(conn: AwsConnection = {}): SdkClientConfig {
  return {
    ...(conn.region ? { region: conn.region } : {}),
    ...(conn.endpoint ? { endpoint: conn.endpoint } : {}),
    ...(conn.credentials ? { credentials: { ...conn.credentials } } : {}),
  };
}

/** A value built on first call and reused after. */
export function lazy<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: make() }).v;
}
