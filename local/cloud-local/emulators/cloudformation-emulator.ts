/**
 * CloudFormation, read side only: DescribeStacks (the outputs `evd cloud --stack` and `evd bridge
 * --stack` read) and DescribeStackResources (logical id -> physical id) for the stacks `evd cloud
 * local` runs, over the awsQuery protocol (form body in, XML out) the SDK client speaks.
 */
import type { ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { readBody, type RequestHandler } from "./http-service.ts";

export interface StackDescription {
  readonly stackName: string;
  readonly stackId: string;
  readonly createdAt: Date;
  readonly description?: string;
  readonly outputs: readonly { readonly key: string; readonly value: string; readonly description?: string }[];
  readonly resources: readonly {
    readonly logicalId: string;
    readonly physicalId: string;
    readonly type: string;
    /** CREATE_COMPLETE for what runs here; a skipped resource is reported so too (it "exists" as a name). */
    readonly status: string;
  }[];
}

const XMLNS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

function xml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!,
  );
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/xml", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

function error(res: ServerResponse, code: string, message: string): void {
  send(
    res,
    400,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

function stackXml(s: StackDescription): string {
  const outputs = s.outputs
    .map(
      (o) =>
        `<member><OutputKey>${xml(o.key)}</OutputKey><OutputValue>${xml(o.value)}</OutputValue>${o.description ? `<Description>${xml(o.description)}</Description>` : ""}</member>`,
    )
    .join("");
  return (
    `<member><StackId>${xml(s.stackId)}</StackId><StackName>${xml(s.stackName)}</StackName>` +
    (s.description ? `<Description>${xml(s.description)}</Description>` : "") +
    `<CreationTime>${s.createdAt.toISOString()}</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>` +
    `<Outputs>${outputs}</Outputs></member>`
  );
}

/** `stacks()` is read on every request: what runs now. */
export function cloudFormationEmulator(stacks: () => readonly StackDescription[]): RequestHandler {
  return (req, res) => {
    void (async () => {
      const params = new URLSearchParams((await readBody(req)).toString("utf8"));
      const action = params.get("Action");
      const name = params.get("StackName");
      const all = stacks();
      const selected = name ? all.filter((s) => s.stackName === name || s.stackId === name) : [...all];
      if (name && selected.length === 0)
        return error(
          res,
          "ValidationError",
          `Stack with id ${name} does not exist (evd cloud local runs: ${all.map((s) => s.stackName).join(", ") || "none"})`,
        );
      if (action === "DescribeStacks") {
        return send(
          res,
          200,
          `<DescribeStacksResponse xmlns="${XMLNS}"><DescribeStacksResult><Stacks>${selected.map(stackXml).join("")}</Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
        );
      }
      if (action === "DescribeStackResources") {
        const members = selected
          .flatMap((s) =>
            s.resources.map(
              (r) =>
                `<member><StackName>${xml(s.stackName)}</StackName><StackId>${xml(s.stackId)}</StackId><LogicalResourceId>${xml(r.logicalId)}</LogicalResourceId><PhysicalResourceId>${xml(r.physicalId)}</PhysicalResourceId><ResourceType>${xml(r.type)}</ResourceType><Timestamp>${s.createdAt.toISOString()}</Timestamp><ResourceStatus>${xml(r.status)}</ResourceStatus></member>`,
            ),
          )
          .join("");
        return send(
          res,
          200,
          `<DescribeStackResourcesResponse xmlns="${XMLNS}"><DescribeStackResourcesResult><StackResources>${members}</StackResources></DescribeStackResourcesResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStackResourcesResponse>`,
        );
      }
      return error(
        res,
        "InvalidAction",
        `evd cloud local's CloudFormation answers DescribeStacks and DescribeStackResources, not ${action ?? "(no Action)"}`,
      );
    })().catch((err: unknown) => error(res, "InternalFailure", String(err)));
  };
}
