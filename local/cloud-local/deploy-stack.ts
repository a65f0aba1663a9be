/**
 * Creates a stack's resources locally, as CloudFormation would: in dependency order (Ref,
 * Fn::GetAtt, Fn::Sub, DependsOn), each resource's properties resolved against what exists
 * already, conditions honoured. Types that run locally are provisioned; the others get a
 * CloudFormation-like name and ARN (so references to them resolve) and are listed with why.
 * Then the outputs are resolved: what `evd cloud --stack NAME` reads from DescribeStacks.
 */
import type { StackArtifact } from "./cloud-assembly.ts";
import { TemplateError } from "./errors.ts";
import { referencedNames, resolveIntrinsics, type IntrinsicScope } from "./intrinsics.ts";
import type { LocalCloud } from "./local-cloud.ts";
import { physicalName } from "./physical-names.ts";
import { provisionerFor, REF_IS_ARN, skipReason } from "./resources/registry.ts";
import type { CfnResource } from "./template.ts";

export interface DeployedResource {
  readonly logicalId: string;
  /** The construct path (`Orchestrator/Ingest/Function`) when the template has it, else the logical id. */
  readonly label: string;
  readonly type: string;
  readonly physicalId: string;
  readonly ref: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly emulated: boolean;
  /** Declared settings that are not emulated. */
  readonly notes: readonly string[];
}

export interface StackOutput {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
}

export interface DeployedStack {
  readonly resources: readonly DeployedResource[];
  readonly outputs: readonly StackOutput[];
  /** Skipped types with their reason, and how many resources of each. */
  readonly skipped: readonly { readonly type: string; readonly count: number; readonly reason: string }[];
}

const PSEUDO = [
  "AWS::AccountId",
  "AWS::Region",
  "AWS::Partition",
  "AWS::StackName",
  "AWS::StackId",
  "AWS::URLSuffix",
  "AWS::NotificationARNs",
];

/** Resources in an order where every resource comes after those it refers to. */
export function creationOrder(resources: Readonly<Record<string, CfnResource>>): string[] {
  const ids = Object.keys(resources);
  const deps = new Map<string, string[]>();
  for (const id of ids) {
    const r = resources[id]!;
    const refs = [...referencedNames(r.Properties ?? {})];
    const dependsOn =
      r.DependsOn === undefined ? [] : typeof r.DependsOn === "string" ? [r.DependsOn] : [...r.DependsOn];
    for (const d of dependsOn)
      if (!Object.hasOwn(resources, d)) throw new TemplateError(`${id}.DependsOn: no resource named ${d}`);
    deps.set(
      id,
      [...new Set([...refs, ...dependsOn])].filter((d) => Object.hasOwn(resources, d) && d !== id),
    );
  }
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") throw new TemplateError(`circular dependency: ${[...path, id].join(" -> ")}`);
    state.set(id, "visiting");
    for (const d of deps.get(id)!) visit(d, [...path, id]);
    state.set(id, "done");
    order.push(id);
  };
  for (const id of ids) visit(id, []);
  return order;
}

export async function deployStack(artifact: StackArtifact, cloud: LocalCloud): Promise<DeployedStack> {
  const { template } = artifact;
  const { stackName, stackId, region, accountId } = cloud.identity;
  const deployed = new Map<string, DeployedResource>();
  const conditionCache = new Map<string, boolean>();

  const scope: IntrinsicScope = {
    region,
    ref(name, where) {
      switch (name) {
        case "AWS::AccountId":
          return accountId;
        case "AWS::Region":
          return region;
        case "AWS::Partition":
          return "aws";
        case "AWS::StackName":
          return stackName;
        case "AWS::StackId":
          return stackId;
        case "AWS::URLSuffix":
          return "amazonaws.com";
        case "AWS::NotificationARNs":
          return [];
      }
      const resource = deployed.get(name);
      if (resource) return resource.ref;
      const parameter = template.Parameters?.[name];
      if (parameter) {
        if (parameter.Type.startsWith("AWS::SSM::Parameter::Value"))
          throw new TemplateError(
            `${where}: parameter ${name} reads the SSM parameter ${String(parameter.Default)}, which does not exist locally`,
          );
        if (parameter.Default === undefined)
          throw new TemplateError(`${where}: parameter ${name} has no default value`);
        return parameter.Default;
      }
      if (Object.hasOwn(template.Resources, name))
        throw new TemplateError(`${where}: ${name} is not created (its condition is false)`);
      throw new TemplateError(
        `${where}: Ref to ${name}, which is neither a resource, a parameter nor one of ${PSEUDO.join(", ")}`,
      );
    },
    getAtt(id, attribute, where) {
      const resource = deployed.get(id);
      if (!resource) throw new TemplateError(`${where}: Fn::GetAtt of ${id}, which is not a created resource`);
      if (!resource.emulated) return resource.attributes[attribute];
      if (!Object.hasOwn(resource.attributes, attribute))
        throw new TemplateError(
          `${where}: ${id} (${resource.type}) has no attribute ${attribute} locally; it has ${Object.keys(resource.attributes).join(", ") || "none"}`,
        );
      return resource.attributes[attribute];
    },
    condition(name, where) {
      const known = conditionCache.get(name);
      if (known !== undefined) return known;
      const expr = template.Conditions?.[name];
      if (expr === undefined) throw new TemplateError(`${where}: no condition named ${name}`);
      const value = resolveIntrinsics(expr, scope, `Conditions.${name}`);
      if (typeof value !== "boolean") throw new TemplateError(`Conditions.${name} is not true or false`);
      conditionCache.set(name, value);
      return value;
    },
    findInMap(map, top, second, where) {
      const value = template.Mappings?.[map]?.[top]?.[second];
      if (value === undefined) throw new TemplateError(`${where}: Mappings.${map}.${top}.${second} does not exist`);
      return value;
    },
  };

  const skipped = new Map<string, { count: number; reason: string }>();
  for (const logicalId of creationOrder(template.Resources)) {
    const resource = template.Resources[logicalId]!;
    if (resource.Condition && !scope.condition(resource.Condition, `${logicalId}.Condition`)) continue;
    const provisioner = provisionerFor(resource.Type);
    if (!provisioner) {
      const reason = skipReason(resource.Type);
      if (reason) {
        const entry = skipped.get(resource.Type) ?? { count: 0, reason };
        entry.count++;
        skipped.set(resource.Type, entry);
      }
      deployed.set(logicalId, skippedResource(logicalId, resource, cloud));
      continue;
    }
    const properties = resolveIntrinsics(resource.Properties ?? {}, scope, `${logicalId}.Properties`) as Record<
      string,
      unknown
    >;
    const notes: string[] = [];
    let made;
    try {
      made = await provisioner.provision({
        logicalId,
        label: labelOf(logicalId, resource),
        type: resource.Type,
        properties,
        metadata: resource.Metadata ?? {},
        artifact,
        cloud,
        physicalName: (opts) => physicalName(stackName, logicalId, opts),
        note: (text) => notes.push(text),
      });
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      throw new TemplateError(`creating ${logicalId} (${resource.Type}) failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    deployed.set(logicalId, {
      logicalId,
      label: labelOf(logicalId, resource),
      type: resource.Type,
      ...made,
      emulated: true,
      notes,
    });
  }

  const outputs: StackOutput[] = [];
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition && !scope.condition(output.Condition, `Outputs.${key}.Condition`)) continue;
    const value = resolveIntrinsics(output.Value, scope, `Outputs.${key}.Value`);
    outputs.push({
      key,
      value: typeof value === "string" ? value : JSON.stringify(value),
      ...(output.Description ? { description: output.Description } : {}),
    });
  }
  return {
    resources: [...deployed.values()],
    outputs,
    skipped: [...skipped].map(([type, s]) => ({ type, ...s })),
  };
}

/** A name and ARN for a resource that is not run, so what refers to it resolves. */
function skippedResource(logicalId: string, resource: CfnResource, cloud: LocalCloud): DeployedResource {
  const { stackName, region, accountId } = cloud.identity;
  const [, service = "unknown", kind = "resource"] = resource.Type.split("::");
  const props = resource.Properties ?? {};
  const declaredName = Object.entries(props).find(([k, v]) => /Name$/.test(k) && typeof v === "string")?.[1] as
    string | undefined;
  const name = declaredName ?? physicalName(stackName, logicalId, { maxLength: 64 });
  const svc = service.toLowerCase();
  const arn =
    svc === "iam"
      ? `arn:aws:iam::${accountId}:${kind.toLowerCase()}/${name}`
      : `arn:aws:${svc}:${region}:${accountId}:${kind.toLowerCase()}/${name}`;
  return {
    logicalId,
    label: labelOf(logicalId, resource),
    type: resource.Type,
    physicalId: name,
    ref: REF_IS_ARN.has(resource.Type) ? arn : name,
    // Any attribute of a skipped resource resolves: its ARN, or a placeholder naming it.
    attributes: new Proxy({ Arn: arn } as Record<string, unknown>, {
      get: (target, attr) => (typeof attr === "string" ? (target[attr] ?? `${name}.${attr}`) : undefined),
    }),
    emulated: false,
    notes: [],
  };
}

/** `EvdPrReview/Orchestrator/Ingest/Function/Resource` -> `Orchestrator/Ingest/Function`. */
export function labelOf(logicalId: string, resource: CfnResource): string {
  const path = resource.Metadata?.["aws:cdk:path"];
  if (typeof path !== "string") return logicalId;
  const label = path
    .split("/")
    .slice(1)
    .join("/")
    .replace(/\/(Resource|Default)$/, "");
  return label || logicalId;
}
