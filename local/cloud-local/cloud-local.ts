/**
 * `evd cloud local`: the synthesized stack itself, on this machine, without Docker or an account.
 *
 *   1. synth (the project's CDK CLI) or take an existing cloud assembly; DynamoDB Local starts meanwhile;
 *   2. the local AWS endpoint (DynamoDB Local, SQS, Secrets Manager + SSM, Scheduler, CloudFormation, S3);
 *   3. the stack's resources created as declared, in dependency order (deploy-stack.ts);
 *   4. each function's Init run once (its bundle loads, its handler exists): a mismatch stops here;
 *   5. the HTTP APIs listen, the SQS event sources poll, the schedules fire.
 * `stop()` ends everything it started.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { awsClients } from "./aws-clients.ts";
import { readCloudAssembly, selectStack, type StackArtifact } from "./cloud-assembly.ts";
import { deployStack, type DeployedStack } from "./deploy-stack.ts";
import { startDynamoLocal } from "./emulators/dynamodb-local.ts";
import { startLocalEndpoint, type LocalEndpoint } from "./emulators/local-endpoint.ts";
import type { RunningServer } from "./emulators/http-service.ts";
import { TemplateError } from "./errors.ts";
import { SqsPoller } from "./event-sources/sqs-poller.ts";
import { LocalCloud, type LogSink } from "./local-cloud.ts";
import { bundleWarnings, readBundleConfig } from "./evd-bundle.ts";
import { firstRouteSample, type SampleRequest } from "./sample-request.ts";
import { presetSecrets } from "./secret-presets.ts";
import { ScheduleClock, type PlannedFiring } from "./schedules/schedule-clock.ts";
import { removeState, writeState } from "./state-file.ts";
import { runSynth } from "./synth.ts";

/** LocalStack's account id: ARNs look local at a glance. */
export const LOCAL_ACCOUNT_ID = "000000000000";
export const DEFAULT_ENDPOINT_PORT = 4566;
export const DEFAULT_API_PORT = 4567;

export interface CloudLocalOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Run `cdk synth` with these `-c key=value` pairs into `outDir` (default `cdk.out`)... */
  readonly synth?: { readonly context: readonly string[]; readonly outDir: string };
  /** ...or run this existing cloud assembly. */
  readonly cdkOut?: string;
  /** The stack to run when the assembly holds several. */
  readonly stack?: string;
  /** Port of the AWS endpoint. @default 4566 (0: any free port) */
  readonly port?: number;
  /** Port of the first HTTP API. @default 4567 (0: any free port) */
  readonly apiPort?: number;
  /** Secret values to set after the stack is created: reference name (or secret name, or `ssm:/path`) -> value. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Function logs, API access lines, poller and schedule messages. */
  readonly log: LogSink;
  /** Start-up progress. */
  readonly progress?: (line: string) => void;
}

export interface RunningFunction {
  readonly logicalId: string;
  readonly label: string;
  readonly functionName: string;
  readonly handler: string;
  readonly codeDir: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly initMs: number;
}

export interface RunningApi {
  readonly label: string;
  readonly url: string;
  readonly routes: readonly string[];
  readonly stages: readonly string[];
}

export interface CloudLocal {
  readonly stackName: string;
  readonly region: string;
  readonly assemblyDir: string;
  /** The local AWS endpoint: AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly apis: readonly RunningApi[];
  readonly functions: readonly RunningFunction[];
  readonly pollers: readonly SqsPoller[];
  readonly deployed: DeployedStack;
  readonly sample: SampleRequest | undefined;
  /** What the stack needs that does not exist locally (a Bedrock default provider). */
  readonly warnings: readonly string[];
  readonly timings: { readonly synthMs?: number; readonly totalMs: number };
  schedules(): PlannedFiring[];
  stop(): Promise<void>;
}

function regionOf(artifact: StackArtifact, env: Readonly<Record<string, string | undefined>>): string {
  return artifact.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
}

export async function startCloudLocal(opts: CloudLocalOptions): Promise<CloudLocal> {
  const started = Date.now();
  const progress = opts.progress ?? (() => undefined);
  // DynamoDB Local takes seconds to start: it starts while the synth runs (evd's stacks always
  // have a table); for an existing assembly, only when the template declares a table.
  let dynamo: Promise<RunningServer> | null = opts.cdkOut === undefined ? startDynamoLocal() : null;
  dynamo?.catch(() => undefined);
  const stopDynamo = async () => {
    await dynamo?.then(
      (d) => d.stop(),
      () => undefined,
    );
  };
  const stoppers: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const s of stoppers.reverse()) await s();
    await stopDynamo();
  };
  try {
    let synthMs: number | undefined;
    let assemblyDir: string;
    if (opts.cdkOut !== undefined) assemblyDir = resolve(opts.cwd, opts.cdkOut);
    else {
      const synth = opts.synth ?? { context: [], outDir: "cdk.out" };
      progress(`synth: cdk synth ${synth.context.map((c) => `-c ${c}`).join(" ")} -o ${synth.outDir}`);
      const out = await runSynth({ cwd: opts.cwd, context: synth.context, outDir: synth.outDir, env: opts.env });
      synthMs = out.ms;
      assemblyDir = resolve(opts.cwd, synth.outDir);
    }
    const artifact = selectStack(readCloudAssembly(assemblyDir), opts.stack, assemblyDir);
    const declares = (type: string) => Object.values(artifact.template.Resources).some((r) => r.Type === type);
    if (!dynamo && declares("AWS::DynamoDB::Table")) {
      dynamo = startDynamoLocal();
      dynamo.catch(() => undefined);
    }
    const region = regionOf(artifact, opts.env);
    const identity = {
      stackName: artifact.stackName,
      stackId: `arn:aws:cloudformation:${region}:${LOCAL_ACCOUNT_ID}:stack/${artifact.stackName}/${randomUUID()}`,
      region,
      accountId: LOCAL_ACCOUNT_ID,
    };
    progress(`stack ${artifact.stackName} (${artifact.templateFile}); starting the AWS endpoint`);

    const pollers: SqsPoller[] = [];
    const endpoint: LocalEndpoint = await startLocalEndpoint({
      region,
      accountId: LOCAL_ACCOUNT_ID,
      port: opts.port ?? DEFAULT_ENDPOINT_PORT,
      dynamo,
      onCall: (call) => {
        if (call.service === "sqs" && /SendMessage|ChangeMessageVisibility|StartMessageMoveTask/.test(call.operation))
          for (const p of pollers) p.nudge();
      },
    });
    stoppers.push(() => endpoint.stop());
    const aws = awsClients(endpoint.endpoint, region);
    stoppers.push(() => aws.destroy());
    if (declares("AWS::S3::Bucket")) await endpoint.enableS3();

    const cloud = new LocalCloud({
      identity,
      aws,
      endpoint: endpoint.endpoint,
      log: opts.log,
      apiPort: opts.apiPort ?? DEFAULT_API_PORT,
      hostEnv: opts.env,
    });
    stoppers.push(async () => {
      await Promise.all([...cloud.apis.values()].map((a) => a.stop()));
    });
    stoppers.push(async () => {
      await Promise.all([...cloud.functions.values()].map((f) => f.stop()));
    });
    const deployed = await deployStack(artifact, cloud);
    endpoint.setStacks(() => [
      {
        stackName: identity.stackName,
        stackId: identity.stackId,
        createdAt: new Date(started),
        ...(artifact.template.Description ? { description: artifact.template.Description } : {}),
        outputs: deployed.outputs,
        resources: deployed.resources.map((r) => ({
          logicalId: r.logicalId,
          physicalId: r.physicalId,
          type: r.type,
          status: "CREATE_COMPLETE",
        })),
      },
    ]);
    await presetSecrets(opts.secrets ?? {}, cloud, aws);

    progress(`created ${deployed.resources.filter((r) => r.emulated).length} resources; starting the functions (Init)`);
    const functions = await initFunctions(cloud);

    for (const spec of cloud.mappings) {
      const poller = new SqsPoller(spec, aws.sqs(), region, (line) => opts.log(`${spec.fn.spec.label} <- SQS`, line));
      pollers.push(poller);
      poller.start();
    }
    stoppers.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
    });
    const clock = new ScheduleClock({
      emulator: endpoint.scheduler,
      targets: {
        sqs: aws.sqs(),
        invokeFunction: async (arn, event) => {
          const fn = cloud.findFunction(arn);
          if (!fn) throw new TemplateError(`no function ${arn} in this stack`);
          void fn.invoke(event);
        },
      },
      log: (line) => opts.log("Scheduler", line),
    });
    clock.start();
    stoppers.push(() => clock.stop());

    const apis: RunningApi[] = [...cloud.apis.values()].map((api) => ({
      label:
        deployed.resources.find((r) => r.type === "AWS::ApiGatewayV2::Api" && r.ref === api.apiId)?.label ?? api.name,
      url: api.endpoint,
      routes: api.routeKeys,
      stages: api.stageNames,
    }));
    const sample = firstRouteSample(cloud.apis.values(), (locator) =>
      locator.startsWith("ssm:")
        ? endpoint.secrets.parameterValue(locator.slice(4))
        : endpoint.secrets.currentValue(locator),
    );
    const stateFile = writeState(assemblyDir, {
      pid: process.pid,
      stackName: identity.stackName,
      region,
      endpoint: endpoint.endpoint,
      apiUrls: apis.map((a) => a.url),
      scheduleGroups: [...new Set([...endpoint.scheduler.schedules.values()].map((s) => s.GroupName))],
      startedAt: new Date().toISOString(),
    });
    stoppers.push(() => removeState(stateFile));
    return {
      stackName: identity.stackName,
      region,
      assemblyDir,
      endpoint: endpoint.endpoint,
      apis,
      functions,
      pollers,
      deployed,
      sample,
      warnings: [
        ...new Set([...cloud.functions.values()].flatMap((f) => bundleWarnings(readBundleConfig(f.spec.environment)))),
      ],
      timings: { ...(synthMs !== undefined ? { synthMs } : {}), totalMs: Date.now() - started },
      schedules: () => clock.plan(),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Init of one environment per function, in parallel; any failure is a template/code mismatch. */
async function initFunctions(cloud: LocalCloud): Promise<RunningFunction[]> {
  const fns = [...cloud.functions.values()];
  const inits = await Promise.all(fns.map((f) => f.prewarm()));
  const failed = fns.flatMap((f, i) => {
    const r = inits[i]!;
    return r.ok
      ? []
      : [
          `function ${f.spec.logicalId} [${f.spec.label}] (handler ${f.spec.handler} in ${f.spec.codeDir}): ${r.error.errorType}: ${r.error.errorMessage}`,
        ];
  });
  if (failed.length)
    throw new TemplateError(
      `the template and the code do not match; Lambda would fail every invocation:\n  ${failed.join("\n  ")}`,
    );
  return fns.map((f, i) => ({
    logicalId: f.spec.logicalId,
    label: f.spec.label,
    functionName: f.spec.functionName,
    handler: f.spec.handler,
    codeDir: f.spec.codeDir,
    memoryMb: f.spec.memoryMb,
    timeoutSeconds: f.spec.timeoutSeconds,
    initMs: (inits[i] as { ms: number }).ms,
  }));
}
