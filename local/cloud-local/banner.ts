/** What `evd cloud local` prints once the stack runs: where everything is and how to use it. */
import { relative } from "node:path";
import type { CloudLocal } from "./cloud-local.ts";
import { LOCAL_CREDENTIALS } from "./aws-clients.ts";

export function banner(local: CloudLocal, cwd: string): string[] {
  const lines: string[] = [];
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rel = (p: string) => relative(cwd, p) || ".";
  lines.push(
    `evd cloud local ready: stack ${local.stackName} from ${rel(local.assemblyDir)} in ${seconds(local.timings.totalMs)}` +
      (local.timings.synthMs !== undefined ? ` (synth ${seconds(local.timings.synthMs)})` : ""),
  );
  for (const api of local.apis) {
    lines.push(`  HTTP API ${api.label}: ${api.url}  (stages ${api.stages.join(", ") || "none"})`);
    for (const route of api.routes) lines.push(`    ${route}`);
  }
  lines.push(`  AWS endpoint: ${local.endpoint}  (DynamoDB, SQS, Secrets Manager, SSM, Scheduler, CloudFormation, S3)`);
  for (const f of local.functions)
    lines.push(
      `  function ${f.label}: ${f.handler} from ${rel(f.codeDir)}, ${f.memoryMb} MB, ${f.timeoutSeconds} s (Init ${Math.round(f.initMs)} ms)`,
    );
  for (const p of local.pollers) {
    const s = p.spec;
    const queue = local.deployed.resources.find((r) => r.ref === s.queueUrl)?.label ?? s.queueUrl;
    lines.push(
      `  ${queue} -> ${s.fn.spec.label}: batch ${s.batchSize}, max concurrency ${p.concurrency}` +
        `${s.reportBatchItemFailures ? ", ReportBatchItemFailures" : ""}${s.enabled ? "" : " (disabled)"}`,
    );
  }
  for (const s of local.schedules())
    lines.push(
      `  schedule ${s.group}/${s.name}: ${s.expression} ${s.timezone} ${s.state}` +
        (s.next ? `, next ${s.next.toISOString()}` : s.note ? ` (not fired automatically: ${s.note})` : ""),
    );
  for (const r of local.deployed.resources) for (const n of r.notes) lines.push(`  note ${r.label}: ${n}`);
  if (local.deployed.skipped.length)
    lines.push(
      `  not run locally: ${local.deployed.skipped.map((s) => `${s.type} x${s.count} (${s.reason})`).join("; ")}`,
    );
  for (const w of local.warnings) lines.push(`  warning: ${w}`);
  if (local.sample) {
    lines.push(`  send a signed test request (${local.sample.describes}):`);
    lines.push(`    ${local.sample.curl}`);
  }
  lines.push("  point the AWS CLI, evd cloud and evd bridge at it:");
  lines.push(
    `    export AWS_ENDPOINT_URL=${local.endpoint} AWS_REGION=${local.region} AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`,
  );
  lines.push(`    evd cloud history --stack ${local.stackName}`);
  const first = local.schedules()[0];
  if (first)
    lines.push(
      `    evd cloud local fire ${first.name}${local.assemblyDir === `${cwd}/cdk.out` ? "" : ` --cdk-out ${rel(local.assemblyDir)}`}`,
    );
  lines.push("  stop with Ctrl-C");
  return lines;
}
