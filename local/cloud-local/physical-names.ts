/**
 * Names for resources whose template gives none, the way CloudFormation makes them:
 * `<stack>-<logicalId>-<suffix>`, cut to the service's limit. The suffix is derived from the stack
 * and logical id (CloudFormation's is random), so a restart gets the same names.
 */
import { createHash } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function suffixOf(stackName: string, logicalId: string): string {
  const digest = createHash("sha256").update(`${stackName}/${logicalId}`).digest();
  let out = "";
  for (let i = 0; i < 12; i++) out += BASE32[digest[i]! % 32];
  return out;
}

export interface PhysicalNameOptions {
  /** @default 128 */
  readonly maxLength?: number;
  /** S3 bucket names are lower case. */
  readonly lowercase?: boolean;
  /** Appended after the generated name (`.fifo` for FIFO queues). */
  readonly ending?: string;
}

export function physicalName(stackName: string, logicalId: string, opts: PhysicalNameOptions = {}): string {
  const max = (opts.maxLength ?? 128) - (opts.ending?.length ?? 0);
  const suffix = suffixOf(stackName, logicalId);
  const room = max - suffix.length - 2;
  const stackPart = stackName.slice(0, Math.max(1, Math.floor(room / 2)));
  const idPart = logicalId.slice(0, Math.max(1, room - stackPart.length));
  const name = `${stackPart}-${idPart}-${suffix}${opts.ending ?? ""}`;
  return opts.lowercase ? name.toLowerCase() : name;
}
