import { AssetStaging, type Duration, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

/** The file next to the handler that carries the config and its recipes into the Lambda package. */
export const BUNDLE_FILE_NAME = "evd-bundle.json";
/** Where the runtime finds it: Lambda unpacks the asset into /var/task. */
export const BUNDLE_PATH_IN_LAMBDA = `/var/task/${BUNDLE_FILE_NAME}`;

/** What the nodejs22.x runtime provides: the AWS SDK v3 and its Smithy packages. */
const RUNTIME_PROVIDED_MODULES = ["@aws-sdk/*", "@smithy/*"] as const;

/** Lets esbuild's ESM output load the CommonJS dependencies that call `require`. */
const ESM_REQUIRE_SHIM =
  "import { createRequire as __evdCreateRequire } from 'node:module'; const require = __evdCreateRequire(import.meta.url);";

export interface OrchestratorFunctionProps {
  /** The handler's TypeScript entry (exports `handler`). */
  readonly entry: string;
  /** Folder holding package.json, package-lock.json and node_modules (esbuild runs there). */
  readonly projectRoot: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  /** Path of the staged `evd-bundle.json`; asked for only when bundling really runs. */
  readonly stagedBundleFile: () => string;
  readonly logRetention: logs.RetentionDays;
  /** Bundle the AWS SDK (true) or use the one in the Lambda runtime (false). */
  readonly bundleAwsSdk: boolean;
  /** @default - no reserved concurrency */
  readonly reservedConcurrentExecutions?: number;
  /** Lambda active tracing (AWS X-Ray), from the config's `tracing.xray`. @default - off */
  readonly activeTracing?: boolean;
}

/**
 * A Lambda function of the orchestrator: `NodejsFunction` bundled by the LOCAL esbuild (never
 * Docker) into one ESM file for nodejs22.x on arm64, with `evd-bundle.json` copied next to it,
 * its own log group with a retention, and a role that starts with nothing but writing to that
 * log group (no managed policy); the orchestrator grants the rest.
 */
export class OrchestratorFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: OrchestratorFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, "LogGroup", { retention: props.logRetention });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ...(props.activeTracing ? { tracing: lambda.Tracing.ACTIVE } : {}),
      environment: { ...props.environment },
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      bundling: {
        forceDockerBundling: false,
        // Same choices as functions/build.mjs: the runtime's AWS SDK unless asked to bundle it.
        externalModules: props.bundleAwsSdk ? [] : [...RUNTIME_PROVIDED_MODULES],
        format: OutputFormat.ESM,
        target: "node22",
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_SHIM,
        minify: true,
        sourceMap: false,
        esbuildArgs: { "--legal-comments": "none" },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) =>
            outputDir === AssetStaging.BUNDLING_OUTPUT_DIR
              ? // The Docker variant of the command (CDK always renders it): the staged file is not in the container.
                [
                  `echo "evd: ${BUNDLE_FILE_NAME} is written by local esbuild bundling only; install esbuild" >&2 && exit 1`,
                ]
              : [copyCommand(props.stagedBundleFile(), `${outputDir}/${BUNDLE_FILE_NAME}`)],
        },
      },
    });
    if (props.activeTracing) {
      // CDK grants xray:PutTraceSegments and PutTelemetryRecords; X-Ray has no resource to scope them to.
      Validations.of(this.role).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "X-Ray's PutTraceSegments/PutTelemetryRecords support no resource-level permissions (the AWS-managed AWSXRayDaemonWriteAccess uses * too)",
      });
    }
    Validations.of(this.function).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "nodejs22.x is deliberate: the code is written and tested for Node 20/22 (see TOOLCHAIN.md); moving to a newer runtime is a tested upgrade, not a silent default.",
    });
  }
}

/** A shell command that copies a file with Node (POSIX shells and cmd.exe alike). */
function copyCommand(from: string, to: string): string {
  return `node -e "require('node:fs').copyFileSync(process.argv[1], process.argv[2])" ${JSON.stringify(from)} ${JSON.stringify(to)}`;
}
