/**
 * One endpoint for every AWS service, the way `AWS_ENDPOINT_URL` points a whole program at
 * LocalStack: a request is routed by the signing service of its SigV4 scope to the emulator of
 * that service, and CloudFormation's DescribeStacks (awsQuery protocol, XML) is answered here
 * from the stacks the test declares. So `evd cloud --stack NAME` and `evd bridge --stack NAME` run
 * as a user runs them, outputs lookup included. CloudFormation calls are logged like the others.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { awsCalls, parseAwsCall } from "./aws-call.ts";
import { callerOf, TEST_ACCOUNT } from "./aws-identity.ts";
import type { RunningServer } from "./dynamo-local.ts";

export interface AwsEndpointOptions {
  /** Signing service (`sqs`, `dynamodb`, `scheduler`...) -> base URL of its emulator (or recording proxy). */
  readonly routes: Readonly<Record<string, string>>;
  /** Stack name -> its outputs (OutputKey -> OutputValue). */
  readonly stacks: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export interface AwsEndpoint extends RunningServer {
  /** Signing regions of the CloudFormation requests, in order (which region a client resolved). */
  readonly cloudFormationRegions: string[];
}

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function cloudFormation(
  res: ServerResponse,
  form: URLSearchParams,
  region: string,
  stacks: AwsEndpointOptions["stacks"],
): void {
  const send = (status: number, body: string) => {
    res.writeHead(status, { "content-type": "text/xml", "content-length": String(Buffer.byteLength(body)) });
    res.end(body);
  };
  const action = form.get("Action");
  if (action !== "DescribeStacks")
    return send(
      400,
      `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${xml(String(action))} is not supported here</Message></Error><RequestId>evd</RequestId></ErrorResponse>`,
    );
  const name = form.get("StackName") ?? "";
  const outputs = stacks.get(name);
  if (!outputs)
    return send(
      400,
      `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${xml(name)} does not exist</Message></Error><RequestId>evd</RequestId></ErrorResponse>`,
    );
  const members = Object.entries(outputs)
    .map(([k, v]) => `<member><OutputKey>${xml(k)}</OutputKey><OutputValue>${xml(v)}</OutputValue></member>`)
    .join("");
  send(
    200,
    `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
      `<StackName>${xml(name)}</StackName><StackId>arn:aws:cloudformation:${region}:${TEST_ACCOUNT}:stack/${xml(name)}/00000000-0000-0000-0000-000000000000</StackId>` +
      `<StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime><Outputs>${members}</Outputs>` +
      `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>evd</RequestId></ResponseMetadata></DescribeStacksResponse>`,
  );
}

export async function startAwsEndpoint(opts: AwsEndpointOptions): Promise<AwsEndpoint> {
  const cloudFormationRegions: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const caller = callerOf(req.headers.authorization);
      if (caller?.signingService === "cloudformation") {
        const call = parseAwsCall({ method: req.method ?? "POST", url: req.url ?? "/", headers: req.headers, body });
        if (call) awsCalls.add(call);
        cloudFormationRegions.push(caller.region);
        return cloudFormation(res, new URLSearchParams(body.toString("utf8")), caller.region, opts.stacks);
      }
      const target = caller ? opts.routes[caller.signingService] : undefined;
      if (!target) {
        res.writeHead(400, { "content-type": "text/plain" });
        return res.end(`no emulator for service "${caller?.signingService ?? "(unsigned)"}"`);
      }
      const url = new URL(target);
      const upstream = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: url.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(err.message);
      });
      upstream.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cloudFormationRegions,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
