/**
 * cdk-nag (v3) acknowledgments are exact: a finding on a wildcard resource is acknowledged by its
 * id, `AwsSolutions-IAM5[Resource::<flattened resource>]`. These helpers build that id from the
 * same value the grant used, so an acknowledgment cannot drift from the permission it explains.
 */
import { Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** cdk-nag's rendering of a resolved CloudFormation value (Ref -> `<X>`, GetAtt -> `<X.Attr>`, Join -> joined). */
export function flattenCfnValue(node: unknown): string {
  if (node === undefined) return "";
  if (typeof node === "string") return node.replace(/\$\{/g, "<").replace(/\}/g, ">");
  if (typeof node === "object" && node !== null) {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o["Fn::Join"])) {
      const [delimiter, items] = o["Fn::Join"] as [string, unknown[]];
      return items.map(flattenCfnValue).join(delimiter);
    }
    if (o["Fn::Sub"] !== undefined) return flattenCfnValue(o["Fn::Sub"]);
    if (Array.isArray(o["Fn::GetAtt"])) {
      const [resource, attribute] = o["Fn::GetAtt"] as [unknown, unknown];
      return `<${flattenCfnValue(resource)}.${flattenCfnValue(attribute)}>`;
    }
    if (o["Fn::ImportValue"] !== undefined) return flattenCfnValue(o["Fn::ImportValue"]);
    if (o.Ref !== undefined) return `<${flattenCfnValue(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/**
 * Acknowledges the IAM5 (wildcard) finding for one resource of a grant on `scope` (the role whose
 * policy holds the statement), with the reason it is as narrow as AWS allows.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const flat = flattenCfnValue(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}
