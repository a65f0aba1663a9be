import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TemplateError } from "../../../../local/cloud-local/errors.ts";
import { failedItems } from "../../../../local/cloud-local/event-sources/sqs-records.ts";
import {
  lambdaEnvironment,
  type LambdaEnvironmentInput,
} from "../../../../local/cloud-local/lambda/lambda-environment.ts";
import { generateSecretString } from "../../../../local/cloud-local/resources/generate-secret-string.ts";
import { physicalName } from "../../../../local/cloud-local/physical-names.ts";
import { serviceOf } from "../../../../local/cloud-local/emulators/aws-gateway.ts";
import { arnLike } from "../../../../local/cloud-local/local-cloud.ts";
import type { IncomingMessage } from "node:http";

const base: LambdaEnvironmentInput = {
  logicalId: "Runner",
  declared: {},
  codeDir: "/tmp/asset.abc",
  functionName: "Stack-Runner-X",
  handler: "index.handler",
  runtime: "nodejs22.x",
  memoryMb: 1024,
  region: "us-east-1",
  logGroupName: "/aws/lambda/x",
  logStreamName: "s",
  endpoint: "http://127.0.0.1:4566",
  credentials: { accessKeyId: "a", secretAccessKey: "b" },
  host: { PATH: "/usr/bin" },
};

describe("Lambda pieces", () => {
  it("the environment: the template's values, /var/task mapped to the asset folder, Lambda's own variables", () => {
    const env = lambdaEnvironment({ ...base, declared: { EVD_BUNDLE_PATH: "/var/task/evd-bundle.json", N: 3 } });
    assert.equal(env.EVD_BUNDLE_PATH, "/tmp/asset.abc/evd-bundle.json");
    assert.equal(env.N, "3");
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "1024");
    assert.equal(env.AWS_EXECUTION_ENV, "AWS_Lambda_nodejs22.x");
    assert.equal(env.AWS_ENDPOINT_URL, "http://127.0.0.1:4566");
    assert.equal(env.LAMBDA_TASK_ROOT, "/tmp/asset.abc");
    assert.equal(env._HANDLER, "index.handler");
  });

  it("refuses reserved keys and more than 4 KB, as a deployment would be refused", () => {
    assert.throws(
      () => lambdaEnvironment({ ...base, declared: { AWS_REGION: "x" } }),
      (e: Error) =>
        e instanceof TemplateError && /Runner\.Properties\.Environment\.Variables\.AWS_REGION/.test(e.message),
    );
    assert.throws(
      () => lambdaEnvironment({ ...base, declared: { BIG: "x".repeat(4100) } }),
      /4103 bytes of environment variables; Lambda allows 4096/,
    );
    assert.throws(() => lambdaEnvironment({ ...base, declared: { O: { a: 1 } } }), /must be a string/);
  });

  it("partial batch responses by Lambda's rules", () => {
    const ids = ["m1", "m2"];
    assert.deepEqual(failedItems(null, ids), new Set());
    assert.deepEqual(failedItems({}, ids), new Set());
    assert.deepEqual(failedItems({ batchItemFailures: [] }, ids), new Set());
    assert.deepEqual(failedItems({ batchItemFailures: [{ itemIdentifier: "m2" }] }, ids), new Set(["m2"]));
    assert.equal(failedItems({ batchItemFailures: [{ itemIdentifier: "" }] }, ids), "all");
    assert.equal(failedItems({ batchItemFailures: [{ itemIdentifier: "m9" }] }, ids), "all");
    assert.equal(failedItems({ batchItemFailures: [{ id: "m1" }] }, ids), "all");
    assert.equal(failedItems("nope", ids), "all");
  });

  it("GenerateSecretString: length, excluded classes and characters, one of each class, a JSON template", () => {
    const s = generateSecretString({ PasswordLength: 40, ExcludePunctuation: true }, "x");
    assert.match(s, /^[A-Za-z0-9]{40}$/);
    assert.match(s, /[a-z]/);
    assert.match(s, /[A-Z]/);
    assert.match(s, /[0-9]/);
    assert.match(
      generateSecretString(
        {
          PasswordLength: 30,
          ExcludeUppercase: true,
          ExcludeLowercase: true,
          ExcludePunctuation: true,
          ExcludeCharacters: "0123",
        },
        "x",
      ),
      /^[4-9]{30}$/,
    );
    const json = JSON.parse(
      generateSecretString({ SecretStringTemplate: '{"user":"evd"}', GenerateStringKey: "password" }, "x"),
    );
    assert.equal(json.user, "evd");
    assert.equal(json.password.length, 32);
  });

  it("generated names: stable, within the limit, lower case for buckets", () => {
    const a = physicalName("EvdPrReview", "OrchestratorQueuesJobQueue800A8B3E", { maxLength: 80 });
    assert.equal(a, physicalName("EvdPrReview", "OrchestratorQueuesJobQueue800A8B3E", { maxLength: 80 }));
    assert.match(a, /^EvdPrReview-OrchestratorQueuesJobQueue800A8B3E-[A-Z2-7]{12}$/);
    assert.ok(physicalName("S".repeat(100), "L".repeat(100), { maxLength: 64 }).length <= 64);
    assert.match(physicalName("Stack", "Fifo", { maxLength: 80, ending: ".fifo" }), /\.fifo$/);
    assert.match(physicalName("Stack", "Bucket", { maxLength: 63, lowercase: true }), /^[a-z0-9-]+$/);
  });

  it("routes a request by the service its signature names", () => {
    const req = (headers: Record<string, string>, url = "/") => ({ headers, url }) as unknown as IncomingMessage;
    assert.deepEqual(
      serviceOf(
        req({
          authorization:
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x",
        }),
      ),
      { service: "sqs", accessKeyId: "AKID" },
    );
    assert.equal(
      serviceOf(
        req({}, "/bucket/key?X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x"),
      ).service,
      "s3",
    );
    assert.equal(serviceOf(req({ "x-amz-target": "DynamoDB_20120810.PutItem" })).service, "dynamodb");
    assert.equal(serviceOf(req({})).service, undefined);
  });

  it("matches source ARNs as IAM's ArnLike does", () => {
    assert.ok(
      arnLike(
        "arn:aws:execute-api:us-east-1:000000000000:abc/*/*/github",
        "arn:aws:execute-api:us-east-1:000000000000:abc/$default/POST/github",
      ),
    );
    assert.ok(
      !arnLike(
        "arn:aws:execute-api:us-east-1:000000000000:abc/*/*/github",
        "arn:aws:execute-api:us-east-1:000000000000:abc/$default/POST/hooks",
      ),
    );
  });
});
