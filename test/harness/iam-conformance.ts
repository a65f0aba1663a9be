/**
 * IAM conformance: every AWS call a component made during the tests is evaluated against the
 * policies the synthesized stack gives that component, with a real IAM policy evaluator
 * (@cloud-copilot/iam-simulate: wildcards, condition operators such as
 * `ForAllValues:StringLike` on `dynamodb:LeadingKeys`, resource policies). A call the stack would
 * not allow is a bug an emulator cannot show (it enforces no IAM). The other way round, an action
 * the stack grants and no call used is a grant to remove, unless it is listed with the reason it
 * is needed (a service acting with the role, not our code).
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { synthConfig, type Synthesized } from "../infra/fixtures/synth.ts";
import type { Authorization, AwsCall } from "./aws-call.ts";
import { TEST_ACCOUNT, type Component } from "./aws-identity.ts";
import { deploymentById, type TestDeployment } from "./deployments.ts";
import { allowedActions, stackPolicies, type StackPolicies } from "./stack-policies.ts";

export interface DeniedCall {
  readonly component: Component;
  readonly deployment: number;
  readonly operation: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Authorization["context"];
  readonly result: string;
}

export interface ConformanceReport {
  /** Calls the stack's policies would refuse. */
  readonly denied: readonly DeniedCall[];
  /** Component -> actions its policies allow that no call used and no reason explains. */
  readonly unusedGrants: ReadonlyMap<Component, readonly string[]>;
  /** Component -> actions used (for the report). */
  readonly used: ReadonlyMap<Component, readonly string[]>;
  readonly evaluated: number;
}

/** Synthesizes the stack of a test deployment's config (no bundling); cached per config text and recipes. */
const stacks = new Map<string, Promise<Synthesized>>();
export function synthDeployment(d: TestDeployment): Promise<Synthesized> {
  const text = JSON.stringify(d.config);
  const cacheKey = JSON.stringify([text, d.recipes ?? {}]);
  let s = stacks.get(cacheKey);
  if (!s) {
    const dir = mkdtempSync(join(tmpdir(), "evd-iam-"));
    const file = join(dir, "evd.json");
    writeFileSync(file, text);
    for (const [path, recipe] of Object.entries(d.recipes ?? {})) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), recipe);
    }
    s = synthConfig(file);
    stacks.set(cacheKey, s);
  }
  return s;
}

export interface ConformanceOptions {
  readonly region: string;
  /** Actions allowed to stay unused, per component, each with the reason. */
  readonly unusedAllowed: Readonly<Partial<Record<Component, Readonly<Record<string, string>>>>>;
  /** Components whose grants are checked for unused actions. @default every component that made a call */
  readonly components?: readonly Component[];
}

export async function checkIamConformance(
  calls: readonly AwsCall[],
  opts: ConformanceOptions,
): Promise<ConformanceReport> {
  const policiesByDeployment = new Map<number, StackPolicies>();
  const policiesOf = async (id: number): Promise<StackPolicies> => {
    let p = policiesByDeployment.get(id);
    if (!p) {
      const d = deploymentById(id);
      if (!d) throw new Error(`a call was signed for test deployment ${id}, which was never registered`);
      p = stackPolicies(await synthDeployment(d), d, opts.region);
      policiesByDeployment.set(id, p);
    }
    return p;
  };
  const denied: DeniedCall[] = [];
  const used = new Map<Component, Set<string>>();
  let evaluated = 0;
  for (const call of calls) {
    const { component, deployment } = call.caller;
    if (component === undefined || deployment === undefined) continue;
    const policies = await policiesOf(deployment);
    for (const a of call.authorizations) {
      evaluated++;
      const set = used.get(component) ?? new Set<string>();
      set.add(a.action);
      used.set(component, set);
      const result = await evaluate(policies, component, a);
      if (result !== "Allowed")
        denied.push({
          component,
          deployment,
          operation: call.operation,
          action: a.action,
          resource: a.resource,
          context: a.context,
          result,
        });
    }
  }
  for (const d of new Set(calls.map((c) => c.caller.deployment).filter((x): x is number => x !== undefined)))
    await policiesOf(d);

  const checked = opts.components ?? [...used.keys()];
  const unusedGrants = new Map<Component, string[]>();
  for (const component of checked) {
    const granted = new Set<string>();
    for (const p of policiesByDeployment.values())
      for (const action of allowedActions(p.identity.get(component) ?? [])) granted.add(action);
    const explained = opts.unusedAllowed[component] ?? {};
    const unused = [...granted].filter((a) => !used.get(component)?.has(a) && !(a in explained)).sort();
    if (unused.length) unusedGrants.set(component, unused);
  }
  return {
    denied,
    unusedGrants,
    used: new Map([...used].map(([c, s]) => [c, [...s].sort()])),
    evaluated,
  };
}

async function evaluate(policies: StackPolicies, component: Component, a: Authorization): Promise<string> {
  const identity = policies.identity.get(component) ?? [];
  const resourcePolicy = policies.resource.get(a.resource) ?? policies.resource.get(bucketOf(a.resource));
  const result = await runSimulation(
    {
      identityPolicies: identity.map((policy, i) => ({ name: `${component}-${i}`, policy: policy as never })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy: resourcePolicy as never } : {}),
      request: {
        action: a.action,
        principal: policies.principal.get(component)!,
        resource: { resource: a.resource, accountId: TEST_ACCOUNT },
        contextVariables: a.context as Record<string, string | string[]>,
      },
    },
    {},
  );
  if (result.resultType === "error") return `simulation error: ${JSON.stringify(result.errors)}`;
  return result.overallResult;
}

/** `arn:aws:s3:::bucket/key` -> `arn:aws:s3:::bucket` (a bucket policy is stored under the bucket). */
function bucketOf(resource: string): string {
  return resource.startsWith("arn:aws:s3:::") ? resource.replace(/\/.*$/, "") : resource;
}

/** A readable list of what failed, for assertion messages. */
export function describeReport(r: ConformanceReport): string {
  const lines: string[] = [];
  for (const d of r.denied)
    lines.push(
      `DENIED ${d.component} (deployment ${d.deployment}) ${d.operation}: ${d.action} on ${d.resource} ${JSON.stringify(d.context)} -> ${d.result}`,
    );
  for (const [c, actions] of r.unusedGrants) lines.push(`UNUSED ${c}: ${actions.join(", ")}`);
  return lines.join("\n");
}
