/**
 * AWS::ApiGatewayV2::Api (HTTP), ::Integration (AWS_PROXY to a Lambda function), ::Route and
 * ::Stage (throttling, stage variables) -> an HttpApiServer on a local port.
 */
import { randomBytes } from "node:crypto";
import { TemplateError } from "../errors.ts";
import { HttpApiServer, type Throttle } from "../http-api/http-api-server.ts";
import { num, str, type ProvisionContext, type Provisioner } from "./provisioner.ts";

function shortId(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");
}

function apiOf(ctx: ProvisionContext): HttpApiServer | undefined {
  const id = str(ctx.properties, "ApiId") ?? "";
  return ctx.cloud.apis.get(id);
}

function throttleOf(settings: unknown): Throttle | undefined {
  const s = settings as { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number } | undefined;
  if (s?.ThrottlingRateLimit === undefined && s?.ThrottlingBurstLimit === undefined) return undefined;
  return { rate: Number(s.ThrottlingRateLimit ?? 10_000), burst: Number(s.ThrottlingBurstLimit ?? 5_000) };
}

export const httpApi: Provisioner = {
  types: ["AWS::ApiGatewayV2::Api"],
  async provision(ctx) {
    const p = ctx.properties;
    const apiId = shortId(10);
    const { region, accountId } = ctx.cloud.identity;
    if (str(p, "ProtocolType") !== "HTTP") {
      ctx.note(`a ${str(p, "ProtocolType") ?? "?"} API is not emulated (HTTP APIs are)`);
      return {
        physicalId: apiId,
        ref: apiId,
        attributes: { ApiId: apiId, ApiEndpoint: `wss://${apiId}.execute-api.${region}.amazonaws.com` },
      };
    }
    if (p.Body !== undefined || p.BodyS3Location !== undefined)
      throw new TemplateError(
        `${ctx.logicalId}: an HTTP API defined by an OpenAPI body is not emulated (declare routes and integrations)`,
      );
    if (p.CorsConfiguration !== undefined) ctx.note("CORS is declared, not emulated");
    const api = await HttpApiServer.start({
      apiId,
      name: str(p, "Name") ?? ctx.logicalId,
      region,
      accountId,
      functions: {
        find: (ref) => ctx.cloud.findFunction(ref),
        permits: (fn, sourceArn) => ctx.cloud.permits(fn, "apigateway.amazonaws.com", sourceArn),
      },
      log: (line) => ctx.cloud.opts.log(ctx.label, line),
      port: ctx.cloud.takeApiPort(),
    });
    ctx.cloud.apis.set(apiId, api);
    return { physicalId: apiId, ref: apiId, attributes: { ApiId: apiId, ApiEndpoint: api.endpoint } };
  },
};

export const httpApiIntegration: Provisioner = {
  types: ["AWS::ApiGatewayV2::Integration"],
  async provision(ctx) {
    const p = ctx.properties;
    const id = shortId(7);
    const api = apiOf(ctx);
    const type = str(p, "IntegrationType");
    if (!api) return { physicalId: id, ref: id, attributes: {} };
    if (type !== "AWS_PROXY") {
      ctx.note(`integration type ${type ?? "?"} is not emulated (AWS_PROXY to Lambda is)`);
      return { physicalId: id, ref: id, attributes: {} };
    }
    const uri = str(p, "IntegrationUri") ?? "";
    // A Lambda ARN, or API Gateway's invocation URI around one.
    const functionRef =
      /(arn:[^:]+:lambda:[^/]+?)(\/invocations)?$/.exec(uri.replace(/^.*\/functions\//, ""))?.[1] ?? uri;
    api.addIntegration({
      id,
      functionRef,
      payloadFormatVersion: str(p, "PayloadFormatVersion") ?? "1.0",
      timeoutMs: num(p, "TimeoutInMillis", 30_000),
    });
    return { physicalId: id, ref: id, attributes: {} };
  },
};

export const httpApiRoute: Provisioner = {
  types: ["AWS::ApiGatewayV2::Route"],
  async provision(ctx) {
    const p = ctx.properties;
    const id = shortId(7);
    const api = apiOf(ctx);
    if (api) {
      const routeKey = str(p, "RouteKey");
      if (!routeKey) throw new TemplateError(`${ctx.logicalId}.Properties.RouteKey is required`);
      api.addRoute(routeKey, str(p, "Target") ?? "");
      const auth = str(p, "AuthorizationType") ?? "NONE";
      if (auth !== "NONE") ctx.note(`the ${auth} authorizer of ${routeKey} is declared, not enforced`);
    }
    return { physicalId: id, ref: id, attributes: {} };
  },
};

export const httpApiStage: Provisioner = {
  types: ["AWS::ApiGatewayV2::Stage"],
  async provision(ctx) {
    const p = ctx.properties;
    const name = str(p, "StageName") ?? "$default";
    const api = apiOf(ctx);
    if (api) {
      const routeThrottles = new Map<string, Throttle>();
      for (const [routeKey, settings] of Object.entries((p.RouteSettings ?? {}) as Record<string, unknown>)) {
        const t = throttleOf(settings);
        if (t) routeThrottles.set(routeKey, t);
      }
      const defaultThrottle = throttleOf(p.DefaultRouteSettings);
      api.addStage({
        name,
        routeThrottles,
        ...(defaultThrottle ? { defaultThrottle } : {}),
        ...(p.StageVariables ? { variables: p.StageVariables as Record<string, string> } : {}),
      });
      if (p.AccessLogSettings !== undefined) ctx.note("access logs go to this terminal, not to the log group");
    }
    return { physicalId: name, ref: name, attributes: {} };
  },
};
