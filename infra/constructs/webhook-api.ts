import { Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { WebhookRoute } from "../deployment-plan.ts";

/** Steady-state and burst request limits of the API's default stage. */
export interface ApiThrottle {
  /** @default the config's `cloud.api_rate_limit` (1000 requests per second) */
  readonly rateLimit?: number;
  /** @default the config's `cloud.api_burst_limit` (2000 requests) */
  readonly burstLimit?: number;
}

export interface WebhookApiProps {
  readonly routes: readonly WebhookRoute[];
  readonly ingest: lambda.IFunction;
  readonly throttle: Required<ApiThrottle>;
  readonly logRetention: logs.RetentionDays;
}

/** One JSON line per request; no headers or bodies (they may carry signatures). */
const ACCESS_LOG_FIELDS = {
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  method: "$context.httpMethod",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationError: "$context.integrationErrorMessage",
} as const;

/**
 * The HTTP API (payload format 2.0) GitHub and webhook senders post to: one `POST <path>` route
 * per distinct source path, all integrated with the ingest function, a `$default` stage with
 * throttling and JSON access logs. Requests are authenticated by their signature (checked by
 * ingest on the raw body), not by API Gateway.
 */
export class WebhookApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    this.api = new apigwv2.HttpApi(this, "Api", {
      description: "loop-event-driven webhook intake",
      createDefaultStage: false,
    });
    this.accessLogGroup = new logs.LogGroup(this, "AccessLogs", { retention: props.logRetention });
    this.stage = new apigwv2.HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const integration = new HttpLambdaIntegration("Ingest", props.ingest);
    for (const route of props.routes) {
      const [created] = this.api.addRoutes({ path: route.path, methods: [apigwv2.HttpMethod.POST], integration });
      if (created) {
        Validations.of(created).acknowledge({
          id: "AwsSolutions-APIG4",
          reason: `POST ${route.path} serves ${route.sources.join(", ")}: senders such as GitHub cannot present IAM/JWT credentials; every request is authenticated by its webhook signature (HMAC over the raw body, constant-time compare) in the ingest function, and refused with 401 before anything is enqueued.`,
        });
      }
    }
  }

  /** The base URL, no trailing slash (`https://<id>.execute-api.<region>.amazonaws.com`): append a route path. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
