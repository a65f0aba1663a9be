/**
 * Closed loop with autocannon (a real load generator): `connections` keep-alive connections, each
 * sending the next request as soon as the previous answer arrives, until `amount` requests were
 * answered. Each request carries a fresh `X-GitHub-Delivery` (autocannon's `setupRequest`).
 */
import { createRequire } from "node:module";
import { deliveryId, type GithubDelivery } from "./github-delivery.ts";

export interface ClosedLoopResult {
  readonly requests: number;
  readonly elapsedMs: number;
  readonly reqPerSec: number;
  /** Latency percentiles in ms (autocannon's histogram). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers by HTTP status class as autocannon counts them. */
  readonly non2xx: number;
  readonly errors: number;
}

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | string;
}
interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  start: Date;
  finish: Date;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export async function closedLoop(opts: {
  readonly port: number;
  readonly path: string;
  readonly delivery: GithubDelivery;
  readonly amount: number;
  readonly connections: number;
}): Promise<ClosedLoopResult> {
  const { delivery } = opts;
  const result = await autocannon({
    url: `http://127.0.0.1:${opts.port}`,
    connections: opts.connections,
    amount: opts.amount,
    timeout: 30,
    requests: [
      {
        method: "POST",
        path: opts.path,
        headers: { ...delivery.headers },
        body: delivery.body,
        setupRequest: (req: AutocannonRequest) => ({
          ...req,
          headers: { ...req.headers, "x-github-delivery": deliveryId() },
        }),
      },
    ],
  });
  const elapsedMs = result.finish.getTime() - result.start.getTime();
  return {
    requests: result.requests.total,
    elapsedMs,
    reqPerSec: (result.requests.total / elapsedMs) * 1000,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
