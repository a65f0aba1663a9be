/** The claim-check store of the `evd cloud` verbs: the stack's payload bucket, when its outputs (or the env) name it. */
import { S3PayloadStore } from "../../../shared/aws/payload-store.ts";
import type { CloudContext } from "./cloud-context.ts";

export function payloadStoreOf(
  c: CloudContext,
  env: Readonly<Record<string, string | undefined>>,
): S3PayloadStore | undefined {
  const bucket = env.EVD_PAYLOAD_BUCKET ?? c.resources.payloadBucket;
  return bucket && c.s3 ? new S3PayloadStore({ bucket, s3: c.s3 }) : undefined;
}
