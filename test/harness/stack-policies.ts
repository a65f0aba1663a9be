/**
 * The IAM policies of a synthesized orchestrator stack, made concrete for one test deployment:
 * CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, pseudo parameters) are resolved
 * to the ARNs of the deployment's physical table, queues, bucket and secrets, so a real IAM
 * policy evaluator can judge the calls the components made against the emulators.
 */
import type { CfnElement } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import type { Synthesized } from "../infra/fixtures/synth.ts";
import { SECRET_ARN_SUFFIX } from "./aws-call.ts";
import { Component, TEST_ACCOUNT } from "./aws-identity.ts";
import { schedulerRoleArnOf, stackNameOf, type TestDeployment } from "./deployments.ts";

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Statement[];
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface StackPolicies {
  readonly stackName: string;
  /** Identity policies per component (a role's policies, or the managed policy for the CLI and the bridge). */
  readonly identity: ReadonlyMap<Component, readonly PolicyDocument[]>;
  /** Resource policies (queue policies, bucket policy) by resource ARN. */
  readonly resource: ReadonlyMap<string, PolicyDocument>;
  /** The ARN of each component's principal (role, or a user for the CLI and the bridge). */
  readonly principal: ReadonlyMap<Component, string>;
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

export class UnresolvedReferenceError extends Error {
  override readonly name = "UnresolvedReferenceError";
}

function logicalIdOf(construct: IConstruct): string {
  const child = construct.node.defaultChild as CfnElement | undefined;
  if (!child) throw new UnresolvedReferenceError(`${construct.node.path} has no CloudFormation resource`);
  return child.stack.getLogicalId(child);
}

export function stackPolicies(s: Synthesized, d: TestDeployment, region: string): StackPolicies {
  const template = s.template.toJSON() as Template;
  const o = s.stack.orchestrator;
  const stackName = stackNameOf(d.config);
  const queueId = logicalIdOf(o.queues.queue);
  const dlqId = logicalIdOf(o.queues.deadLetterQueue);
  const tableId = logicalIdOf(o.stateTable.table);
  const schedulerRoleId = logicalIdOf(o.schedules.role);
  const bucketId = logicalIdOf(o.payloads.bucket);
  const queueArn = (name: string) => `arn:aws:sqs:${region}:${TEST_ACCOUNT}:${name}`;
  const physical: Record<string, { arn: string; ref: string; name?: string }> = {
    [queueId]: { arn: queueArn(d.queueName), ref: `https://sqs/${d.queueName}`, name: d.queueName },
    [dlqId]: { arn: queueArn(d.dlqName), ref: `https://sqs/${d.dlqName}`, name: d.dlqName },
    [tableId]: { arn: `arn:aws:dynamodb:${region}:${TEST_ACCOUNT}:table/${d.tableName}`, ref: d.tableName },
    [schedulerRoleId]: { arn: schedulerRoleArnOf(d), ref: `evd-scheduler-${d.id}` },
    [bucketId]: {
      arn: `arn:aws:s3:::${d.bucketName ?? `no-bucket-${d.id}`}`,
      ref: d.bucketName ?? `no-bucket-${d.id}`,
    },
  };
  const ref = (id: string): string => {
    switch (id) {
      case "AWS::Region":
        return region;
      case "AWS::AccountId":
        return TEST_ACCOUNT;
      case "AWS::Partition":
        return "aws";
      case "AWS::URLSuffix":
        return "amazonaws.com";
      case "AWS::StackName":
        return stackName;
    }
    if (physical[id]) return physical[id].ref;
    const r = template.Resources[id];
    if (r?.Type === "AWS::SecretsManager::Secret")
      return `arn:aws:secretsmanager:${region}:${TEST_ACCOUNT}:secret:${String(r.Properties?.Name)}${SECRET_ARN_SUFFIX}`;
    if (r?.Type === "AWS::Scheduler::ScheduleGroup") return String(r.Properties?.Name);
    if (r) return id; // roles, log groups...: their name is the logical id
    throw new UnresolvedReferenceError(`Ref ${id}: no such resource in stack ${stackName}`);
  };
  const getAtt = (id: string, attribute: string): string => {
    if (physical[id] && attribute === "Arn") return physical[id].arn;
    if (physical[id] && attribute === "QueueName" && physical[id].name) return physical[id].name;
    const r = template.Resources[id];
    if (!r) throw new UnresolvedReferenceError(`Fn::GetAtt ${id}.${attribute}: no such resource in stack ${stackName}`);
    if (attribute === "Arn") {
      if (r.Type === "AWS::IAM::Role") return `arn:aws:iam::${TEST_ACCOUNT}:role/${id}`;
      if (r.Type === "AWS::Logs::LogGroup") return `arn:aws:logs:${region}:${TEST_ACCOUNT}:log-group:${id}:*`;
      if (r.Type === "AWS::Scheduler::ScheduleGroup")
        return `arn:aws:scheduler:${region}:${TEST_ACCOUNT}:schedule-group/${String(r.Properties?.Name)}`;
    }
    throw new UnresolvedReferenceError(`Fn::GetAtt ${id}.${attribute} (${r.Type}) is not bound to the test deployment`);
  };
  const resolve = (v: unknown): unknown => {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null) return v;
    if (Array.isArray(v)) return v.map(resolve);
    const o = v as Record<string, unknown>;
    if ("Ref" in o) return ref(String(o.Ref));
    if ("Fn::GetAtt" in o) {
      const [id, attribute] = o["Fn::GetAtt"] as [string, string];
      return getAtt(id, attribute);
    }
    if ("Fn::Join" in o) {
      const [delimiter, parts] = o["Fn::Join"] as [string, unknown[]];
      return parts.map((p) => String(resolve(p))).join(delimiter);
    }
    if ("Fn::Sub" in o) {
      const text = String(Array.isArray(o["Fn::Sub"]) ? o["Fn::Sub"][0] : o["Fn::Sub"]);
      return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
        const [id, attribute] = name.split(".") as [string, string | undefined];
        return attribute ? getAtt(id, attribute) : ref(id);
      });
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x)]));
  };

  const rolePolicies = (roleId: string): PolicyDocument[] =>
    Object.values(template.Resources)
      .filter(
        (r) =>
          r.Type === "AWS::IAM::Policy" &&
          ((r.Properties?.Roles ?? []) as { Ref?: string }[]).some((x) => x.Ref === roleId),
      )
      .map((r) => resolve(r.Properties!.PolicyDocument) as PolicyDocument);
  const managedPolicy = (construct: IConstruct | undefined): PolicyDocument[] => {
    if (!construct) return [];
    const r = template.Resources[logicalIdOf(construct)]!;
    return [resolve(r.Properties!.PolicyDocument) as PolicyDocument];
  };

  const identity = new Map<Component, PolicyDocument[]>([
    [Component.INGEST, rolePolicies(logicalIdOf(o.ingest.role))],
    [Component.RUNNER, rolePolicies(logicalIdOf(o.runner.role))],
    [Component.SCHEDULER, rolePolicies(schedulerRoleId)],
    [Component.CLI, managedPolicy(o.operatorPolicy)],
    [Component.BRIDGE, managedPolicy(o.bridgePolicy)],
  ]);

  const resource = new Map<string, PolicyDocument>();
  for (const r of Object.values(template.Resources)) {
    if (r.Type === "AWS::SQS::QueuePolicy") {
      const doc = resolve(r.Properties!.PolicyDocument) as PolicyDocument;
      for (const q of (r.Properties!.Queues ?? []) as { Ref: string }[]) {
        const name = physical[q.Ref]?.name;
        if (name) resource.set(queueArn(name), doc);
      }
    }
    if (r.Type === "AWS::S3::BucketPolicy" && d.bucketName)
      resource.set(`arn:aws:s3:::${d.bucketName}`, resolve(r.Properties!.PolicyDocument) as PolicyDocument);
  }

  const principal = new Map<Component, string>([
    [Component.INGEST, `arn:aws:iam::${TEST_ACCOUNT}:role/${logicalIdOf(o.ingest.role)}`],
    [Component.RUNNER, `arn:aws:iam::${TEST_ACCOUNT}:role/${logicalIdOf(o.runner.role)}`],
    [Component.SCHEDULER, schedulerRoleArnOf(d)],
    [Component.CLI, `arn:aws:iam::${TEST_ACCOUNT}:user/operator`],
    [Component.BRIDGE, `arn:aws:iam::${TEST_ACCOUNT}:user/developer`],
  ]);
  return { stackName, identity, resource, principal };
}

/** Every IAM action a policy document allows (as written: wildcards stay wildcards). */
export function allowedActions(docs: readonly PolicyDocument[]): string[] {
  return [
    ...new Set(
      docs.flatMap((d) =>
        d.Statement.filter((s) => s.Effect === "Allow").flatMap((s) =>
          s.Action === undefined ? [] : Array.isArray(s.Action) ? s.Action : [s.Action as string],
        ),
      ),
    ),
  ].sort();
}
