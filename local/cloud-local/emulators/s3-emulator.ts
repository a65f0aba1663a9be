/**
 * S3: the `s3rver` npm emulator (objects in a temporary folder, removed on stop), as an
 * in-process request handler. Loaded only when a stack declares a bucket.
 *
 * s3rver knows one access key (`S3RVER`) and does not check SigV4 signatures: requests are
 * presented under that key, so any local credentials work, as they do for the other emulators.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmulatorError } from "../errors.ts";
import type { RequestHandler } from "./http-service.ts";
import type S3rver from "s3rver";

export interface S3Emulator {
  readonly handler: RequestHandler;
  stop(): Promise<void>;
}

type S3rverClass = typeof S3rver;

const S3RVER_KEY = "S3RVER";

async function loadS3rver(): Promise<S3rverClass> {
  try {
    const mod = await import("s3rver");
    return mod.default;
  } catch (err) {
    throw new EmulatorError(
      'this stack declares an S3 bucket and the S3 emulator is not installed: the npm package "s3rver" (3.7.1) provides it; run `npm ci` in the project',
      { cause: err },
    );
  }
}

/** Rewrites the access key of a SigV4 `Authorization` header to the one s3rver knows. */
export function presentAsS3rverKey(req: IncomingMessage): void {
  const auth = req.headers.authorization;
  if (typeof auth === "string")
    req.headers.authorization = auth.replace(/Credential=[^/]+\//, `Credential=${S3RVER_KEY}/`);
  const url = req.url ?? "";
  if (url.includes("X-Amz-Credential="))
    req.url = url.replace(/X-Amz-Credential=[^%&/]+(%2F|\/)/, `X-Amz-Credential=${S3RVER_KEY}$1`);
}

export async function s3Emulator(): Promise<S3Emulator> {
  const S3rver = await loadS3rver();
  const directory = await mkdtemp(join(tmpdir(), "evd-cloud-local-s3-"));
  const app = new S3rver({ directory, silent: true, allowMismatchedSignatures: true, vhostBuckets: false });
  const callback = app.callback();
  return {
    handler: (req, res) => {
      presentAsS3rverKey(req);
      callback(req, res);
    },
    stop: () => rm(directory, { recursive: true, force: true }),
  };
}
