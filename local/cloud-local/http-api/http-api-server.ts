/**
 * An API Gateway HTTP API on a local port: the routes, integrations and stages of the template,
 * requests turned into payload-format-2.0 events for the integrated function, the stage's
 * throttling (429), API Gateway's own answers (404 no route, 413 too large, 500 function error,
 * 503 integration timeout), and the function's resource policy checked as API Gateway needs it.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { serveHandler, type ListeningServer } from "../emulators/http-service.ts";
import type { LambdaFunction } from "../lambda/lambda-function.ts";
import { apiGatewayEvent, apiResponseOf } from "./api-event.ts";
import { matchRoute } from "./route-match.ts";
import { TokenBucket } from "./token-bucket.ts";

/** API Gateway's request body limit for HTTP APIs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Lambda's synchronous invocation payload limit. */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** The account-level default when a stage sets no throttle. */
const ACCOUNT_THROTTLE = { rate: 10_000, burst: 5_000 } as const;

export interface Throttle {
  readonly rate: number;
  readonly burst: number;
}

export interface StageSpec {
  readonly name: string;
  readonly defaultThrottle?: Throttle;
  readonly routeThrottles: ReadonlyMap<string, Throttle>;
  readonly variables?: Readonly<Record<string, string>>;
}

export interface IntegrationSpec {
  readonly id: string;
  /** The function's ARN or name (from IntegrationUri). */
  readonly functionRef: string;
  readonly payloadFormatVersion: string;
  readonly timeoutMs: number;
}

export interface ApiFunctions {
  find(nameOrArn: string): LambdaFunction | undefined;
  /** Whether the function's resource policy lets API Gateway invoke it for `sourceArn`. */
  permits(fn: LambdaFunction, sourceArn: string): boolean;
}

export interface HttpApiOptions {
  readonly apiId: string;
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  readonly functions: ApiFunctions;
  readonly log: (line: string) => void;
  /** @default a free port */
  readonly port?: number;
}

export class HttpApiServer {
  readonly apiId: string;
  readonly name: string;
  readonly #opts: HttpApiOptions;
  readonly #routes = new Map<string, string>();
  readonly #integrations = new Map<string, IntegrationSpec>();
  readonly #stages = new Map<string, { spec: StageSpec; buckets: Map<string, TokenBucket> }>();
  #server: ListeningServer | undefined;

  private constructor(opts: HttpApiOptions) {
    this.#opts = opts;
    this.apiId = opts.apiId;
    this.name = opts.name;
  }

  static async start(opts: HttpApiOptions): Promise<HttpApiServer> {
    const api = new HttpApiServer(opts);
    api.#server = await serveHandler((req, res) => api.#handle(req, res), opts.port ?? 0);
    return api;
  }

  /** `http://127.0.0.1:<port>`: the ApiEndpoint (stage paths go after it). */
  get endpoint(): string {
    return this.#server!.endpoint;
  }

  get routeKeys(): string[] {
    return [...this.#routes.keys()];
  }

  get stageNames(): string[] {
    return [...this.#stages.keys()];
  }

  addRoute(routeKey: string, target: string): void {
    this.#routes.set(routeKey, target);
  }

  addIntegration(spec: IntegrationSpec): void {
    this.#integrations.set(spec.id, spec);
  }

  addStage(spec: StageSpec): void {
    this.#stages.set(spec.name, { spec, buckets: new Map() });
  }

  /** The function a route's integration invokes (for the banner). */
  functionOfRoute(routeKey: string): LambdaFunction | undefined {
    const integration = this.#integrationOf(this.#routes.get(routeKey));
    return integration ? this.#opts.functions.find(integration.functionRef) : undefined;
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
  }

  #integrationOf(target: string | undefined): IntegrationSpec | undefined {
    const id = target?.startsWith("integrations/") ? target.slice("integrations/".length) : undefined;
    return id === undefined ? undefined : this.#integrations.get(id);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const started = Date.now();
    const requestId = randomUUID();
    const url = new URL(req.url ?? "/", "http://localhost");
    const answer = (
      status: number,
      body: Buffer | string,
      headers: Record<string, string> = {},
      cookies: readonly string[] = [],
    ) => {
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      res.writeHead(status, {
        ...headers,
        "content-length": String(bytes.length),
        "apigw-requestid": requestId,
        date: new Date().toUTCString(),
        ...(cookies.length ? { "set-cookie": [...cookies] } : {}),
      });
      res.end(bytes);
      this.#opts.log(`${req.method} ${url.pathname} ${status} ${Date.now() - started} ms`);
    };
    const message = (status: number, text: string) =>
      answer(status, JSON.stringify({ message: text }), { "content-type": "application/json" });

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on("end", () => {
      if (tooLarge) return message(413, "Request Entity Too Large");
      void this.#dispatch(req, url, Buffer.concat(chunks), requestId, answer, message).catch((err: unknown) => {
        this.#opts.log(`internal error: ${(err as Error).stack ?? String(err)}`);
        if (!res.headersSent) message(500, "Internal Server Error");
      });
    });
  }

  async #dispatch(
    req: IncomingMessage,
    url: URL,
    body: Buffer,
    requestId: string,
    answer: (
      status: number,
      body: Buffer | string,
      headers?: Record<string, string>,
      cookies?: readonly string[],
    ) => void,
    message: (status: number, text: string) => void,
  ): Promise<void> {
    const method = req.method ?? "GET";
    const { stage, routePath } = this.#stageOf(url.pathname);
    if (!stage) return message(404, "Not Found");
    const match = matchRoute(this.#routes, method, routePath);
    if (!match) return message(404, "Not Found");
    if (!this.#bucket(stage, match.routeKey).take()) return message(429, "Too Many Requests");
    const integration = this.#integrationOf(match.target);
    if (!integration) {
      this.#opts.log(`route ${match.routeKey}: target "${match.target}" is not an integration of this API`);
      return message(500, "Internal Server Error");
    }
    const fn = this.#opts.functions.find(integration.functionRef);
    if (!fn) {
      this.#opts.log(
        `route ${match.routeKey}: integration ${integration.id} names no function of this stack (${integration.functionRef})`,
      );
      return message(500, "Internal Server Error");
    }
    const routeArnPath = match.routeKey === "$default" ? "$default" : `${method}${match.routeKey.split(" ")[1]}`;
    const sourceArn = `arn:aws:execute-api:${this.#opts.region}:${this.#opts.accountId}:${this.apiId}/${stage.spec.name}/${routeArnPath}`;
    if (!this.#opts.functions.permits(fn, sourceArn)) {
      this.#opts.log(
        `route ${match.routeKey}: API Gateway may not invoke ${fn.spec.logicalId}: no AWS::Lambda::Permission for apigateway.amazonaws.com matches ${sourceArn}`,
      );
      return message(500, "Internal Server Error");
    }
    if (integration.payloadFormatVersion !== "2.0") {
      this.#opts.log(
        `route ${match.routeKey}: payload format ${integration.payloadFormatVersion} is not emulated (2.0 is)`,
      );
      return message(500, "Internal Server Error");
    }
    const host = typeof req.headers.host === "string" ? req.headers.host : "127.0.0.1";
    const event = apiGatewayEvent(
      {
        method,
        path: url.pathname,
        rawQueryString: url.search.slice(1),
        headers: req.headersDistinct,
        body,
        sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
        protocol: `HTTP/${req.httpVersion}`,
      },
      {
        accountId: this.#opts.accountId,
        apiId: this.apiId,
        domainName: host.split(":")[0]!,
        routeKey: match.routeKey,
        stage: stage.spec.name,
        requestId,
        ...(match.pathParameters ? { pathParameters: match.pathParameters } : {}),
        ...(stage.spec.variables ? { stageVariables: stage.spec.variables } : {}),
      },
    );
    if (Buffer.byteLength(JSON.stringify(event)) > MAX_INVOKE_PAYLOAD_BYTES)
      return message(413, "Request Entity Too Large");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), integration.timeoutMs);
    });
    const result = await Promise.race([fn.invoke(event), timedOut]);
    clearTimeout(timer);
    if (result === "timeout") return message(503, "Service Unavailable");
    if (!result.ok) return message(500, "Internal Server Error");
    const response = apiResponseOf(result.payload);
    if (!response) {
      this.#opts.log(
        `route ${match.routeKey}: the function's answer is not an HTTP API response: ${JSON.stringify(result.payload).slice(0, 200)}`,
      );
      return message(500, "Internal Server Error");
    }
    answer(response.status, response.body, response.headers, response.cookies);
  }

  /** The stage a path is served by (`$default` serves paths that do not start with a named stage). */
  #stageOf(path: string): { stage?: { spec: StageSpec; buckets: Map<string, TokenBucket> }; routePath: string } {
    const first = path.split("/")[1] ?? "";
    const named = first && first !== "$default" ? this.#stages.get(first) : undefined;
    if (named) return { stage: named, routePath: path.slice(first.length + 1) || "/" };
    const fallback = this.#stages.get("$default");
    return fallback ? { stage: fallback, routePath: path } : { routePath: path };
  }

  #bucket(stage: { spec: StageSpec; buckets: Map<string, TokenBucket> }, routeKey: string): TokenBucket {
    let bucket = stage.buckets.get(routeKey);
    if (!bucket) {
      const t = stage.spec.routeThrottles.get(routeKey) ?? stage.spec.defaultThrottle ?? ACCOUNT_THROTTLE;
      bucket = new TokenBucket(t.rate, t.burst);
      stage.buckets.set(routeKey, bucket);
    }
    return bucket;
  }
}
