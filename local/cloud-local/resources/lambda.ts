/**
 * AWS::Lambda::Function -> a LambdaFunction running the asset bundle from cdk.out with the
 * template's handler, environment, memory, timeout and reserved concurrency;
 * AWS::Lambda::Permission -> the function's resource policy (API Gateway needs one);
 * AWS::Lambda::EventSourceMapping (SQS) -> a poller, started once everything exists.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { isDirectory } from "../cloud-assembly.ts";
import { TemplateError } from "../errors.ts";
import { LambdaFunction } from "../lambda/lambda-function.ts";
import { lambdaEnvironment } from "../lambda/lambda-environment.ts";
import { num, str, type ProvisionContext, type Provisioned, type Provisioner } from "./provisioner.ts";

/** Where the function's code is: the asset folder the synth wrote, or inline code written to a temp folder. */
function codeDirOf(ctx: ProvisionContext): string {
  const code = (ctx.properties.Code ?? {}) as Record<string, unknown>;
  const where = `${ctx.logicalId}.Properties.Code`;
  if (typeof code.ZipFile === "string") {
    const dir = mkdtempSync(join(tmpdir(), "evd-cloud-local-inline-"));
    writeFileSync(join(dir, "index.js"), code.ZipFile);
    return dir;
  }
  if (code.ImageUri !== undefined) throw new TemplateError(`${where}: container image functions are not emulated`);
  const key = typeof code.S3Key === "string" ? code.S3Key : undefined;
  const fromManifest = key ? ctx.artifact.assetPaths.get(key) : undefined;
  const assetPath = ctx.metadata["aws:asset:path"];
  const fromMetadata =
    typeof assetPath === "string"
      ? isAbsolute(assetPath)
        ? assetPath
        : join(ctx.artifact.assemblyDir, assetPath)
      : undefined;
  const dir = fromManifest ?? fromMetadata;
  if (!dir)
    throw new TemplateError(
      `${where}: the code (S3Key ${key ?? "none"}) is not an asset of this cloud assembly; evd cloud local runs functions whose code the synth wrote into cdk.out`,
    );
  if (!isDirectory(dir))
    throw new TemplateError(`${where}: the asset ${dir} is not a folder (a prebuilt .zip is not unpacked locally)`);
  return dir;
}

export const lambdaFunction: Provisioner = {
  types: ["AWS::Lambda::Function"],
  async provision(ctx): Promise<Provisioned> {
    const p = ctx.properties;
    const { region, accountId } = ctx.cloud.identity;
    const name = str(p, "FunctionName") ?? ctx.physicalName({ maxLength: 64 });
    const arn = `arn:aws:lambda:${region}:${accountId}:function:${name}`;
    const result: Provisioned = { physicalId: name, ref: name, attributes: { Arn: arn } };
    const runtime = str(p, "Runtime") ?? "";
    if (!runtime.startsWith("nodejs")) {
      ctx.note(`runtime ${runtime || "(none)"} is not emulated: the function is not run`);
      return result;
    }
    const handler = str(p, "Handler");
    if (!handler) throw new TemplateError(`${ctx.logicalId}.Properties.Handler is required for a ${runtime} function`);
    const codeDir = codeDirOf(ctx);
    const memoryMb = num(p, "MemorySize", 128);
    const timeoutSeconds = num(p, "Timeout", 3);
    const logging = p.LoggingConfig as { LogGroup?: string } | undefined;
    const logGroupName = logging?.LogGroup ?? `/aws/lambda/${name}`;
    const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${randomUUID().replace(/-/g, "")}`;
    const declared = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {}) as Record<string, unknown>;
    const environment = lambdaEnvironment({
      logicalId: ctx.logicalId,
      declared,
      codeDir,
      functionName: name,
      handler,
      runtime,
      memoryMb,
      region,
      logGroupName,
      logStreamName,
      endpoint: ctx.cloud.opts.endpoint,
      credentials: {
        accessKeyId: `evdlocal${ctx.logicalId.replace(/[^A-Za-z0-9]/g, "")}`.slice(0, 128),
        secretAccessKey: "evdcloudlocal",
      },
      host: ctx.cloud.opts.hostEnv,
    });
    const reserved = num(p, "ReservedConcurrentExecutions");
    const fn = new LambdaFunction(
      {
        logicalId: ctx.logicalId,
        label: ctx.label,
        functionName: name,
        arn,
        runtime,
        handler,
        codeDir,
        environment,
        timeoutSeconds,
        memoryMb,
        ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
        logGroupName,
        logStreamName,
      },
      {
        log: (line) => ctx.cloud.opts.log(ctx.label, line),
        ...(ctx.cloud.opts.maxEnvironments ? { maxEnvironments: ctx.cloud.opts.maxEnvironments } : {}),
      },
    );
    ctx.cloud.functions.set(ctx.logicalId, fn);
    const localMajor = process.versions.node.split(".")[0];
    if (runtime !== `nodejs${localMajor}.x`)
      ctx.note(`${runtime} runs on this machine's Node ${process.versions.node}`);
    for (const [key, what] of [
      ["Layers", "layers (/opt)"],
      ["VpcConfig", "the VPC configuration"],
      ["DeadLetterConfig", "the asynchronous-invocation dead-letter target"],
      ["EphemeralStorage", "the /tmp size"],
      ["TracingConfig", "X-Ray tracing"],
      ["SnapStart", "SnapStart"],
    ] as const)
      if (p[key] !== undefined) ctx.note(`${what} (${key}) is declared, not emulated`);
    return result;
  },
};

export const lambdaPermission: Provisioner = {
  types: ["AWS::Lambda::Permission"],
  async provision(ctx) {
    const p = ctx.properties;
    const action = str(p, "Action") ?? "";
    const id = `${ctx.logicalId}-${randomUUID().slice(0, 8)}`;
    if (action === "lambda:InvokeFunction" || action === "lambda:*") {
      ctx.cloud.permissions.push({
        logicalId: ctx.logicalId,
        functionRef: str(p, "FunctionName") ?? "",
        principal: str(p, "Principal") ?? "",
        ...(str(p, "SourceArn") ? { sourceArn: str(p, "SourceArn")! } : {}),
        ...(str(p, "SourceAccount") ? { sourceAccount: str(p, "SourceAccount")! } : {}),
      });
    }
    return { physicalId: id, ref: id, attributes: {} };
  },
};

export const eventSourceMapping: Provisioner = {
  types: ["AWS::Lambda::EventSourceMapping"],
  async provision(ctx) {
    const p = ctx.properties;
    const uuid = randomUUID();
    const result = {
      physicalId: uuid,
      ref: uuid,
      attributes: {
        Id: uuid,
        EventSourceMappingArn: `arn:aws:lambda:${ctx.cloud.identity.region}:${ctx.cloud.identity.accountId}:event-source-mapping:${uuid}`,
      },
    };
    const sourceArn = str(p, "EventSourceArn") ?? "";
    const queue = ctx.cloud.queueByArn(sourceArn);
    if (!queue) {
      ctx.note(`event source ${sourceArn || "(none)"} is not an SQS queue of this stack: not polled`);
      return result;
    }
    const fnRef = str(p, "FunctionName") ?? "";
    const fn = ctx.cloud.findFunction(fnRef);
    if (!fn) {
      ctx.note(`function ${fnRef} is not run locally: ${queue.logicalId} is not polled`);
      return result;
    }
    if (p.FilterCriteria !== undefined)
      ctx.note("FilterCriteria is declared, not emulated: every message reaches the function");
    const scaling = p.ScalingConfig as { MaximumConcurrency?: number } | undefined;
    const types = Array.isArray(p.FunctionResponseTypes) ? p.FunctionResponseTypes.map(String) : [];
    ctx.cloud.mappings.push({
      logicalId: ctx.logicalId,
      uuid,
      queueUrl: queue.url,
      queueArn: queue.arn,
      fn,
      batchSize: num(p, "BatchSize", 10),
      batchingWindowSeconds: num(p, "MaximumBatchingWindowInSeconds", 0),
      reportBatchItemFailures: types.includes("ReportBatchItemFailures"),
      ...(scaling?.MaximumConcurrency !== undefined ? { maxConcurrency: Number(scaling.MaximumConcurrency) } : {}),
      enabled: p.Enabled !== false && p.Enabled !== "false",
    });
    return result;
  },
};
