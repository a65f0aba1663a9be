/** How a resource type of the template is created locally. */
import type { StackArtifact } from "../cloud-assembly.ts";
import type { LocalCloud } from "../local-cloud.ts";
import type { PhysicalNameOptions } from "../physical-names.ts";

export interface ProvisionContext {
  readonly logicalId: string;
  /** A readable name: the construct path of a CDK template (`Orchestrator/Ingest/Function`), else the logical id. */
  readonly label: string;
  readonly type: string;
  /** The resource's properties with every intrinsic resolved. */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly artifact: StackArtifact;
  readonly cloud: LocalCloud;
  /** A CloudFormation-style generated name for this resource. */
  physicalName(opts?: PhysicalNameOptions): string;
  /** Records a declared setting that is not emulated (listed by `evd cloud local`). */
  note(text: string): void;
}

export interface Provisioned {
  readonly physicalId: string;
  /** What `Ref` returns. */
  readonly ref: string;
  /** What `Fn::GetAtt` returns, by attribute name. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface Provisioner {
  readonly types: readonly string[];
  provision(ctx: ProvisionContext): Promise<Provisioned>;
}

/** A property as a string, or undefined. */
export function str(props: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = props[key];
  return v === undefined || v === null ? undefined : String(v);
}

/** A property as a number, or the fallback. */
export function num(props: Readonly<Record<string, unknown>>, key: string, fallback: number): number;
export function num(props: Readonly<Record<string, unknown>>, key: string): number | undefined;
export function num(props: Readonly<Record<string, unknown>>, key: string, fallback?: number): number | undefined {
  const v = props[key];
  if (v === undefined || v === null || v === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}
