/**
 * What `evd daemon` prints when it is ready: where it listens, its sources, and a ready-to-run
 * `curl` for the first webhook source, signed with the source's secret when it can be resolved.
 */
import type { OrchestratorConfig } from "../../shared/config/schema.ts";
import { secretRefName } from "../../shared/config/secret-ref.ts";
import { signHmacSha256, signStandardWebhook } from "../../shared/signatures/sign.ts";

export const SAMPLE_BODY = '{"hello":"world"}';

function shq(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** A copy-paste `curl` for the first `webhook` source, or a hint when the secret is not set. */
export function sampleCurl(
  config: OrchestratorConfig,
  baseUrl: string,
  env: Readonly<Record<string, string | undefined>>,
  nowSeconds: number,
): string | undefined {
  const source = config.sources.find((s) => s.type === "webhook" && s.enabled);
  if (!source || source.type !== "webhook") return undefined;
  const url = `${baseUrl}${source.path}`;
  const head = `curl -i -X POST ${url} -H 'Content-Type: application/json'`;
  const scheme = source.signature ?? (source.secret ? "hmac-sha256" : "none");
  if (scheme === "none" || !source.secret) return `${head} -d ${shq(SAMPLE_BODY)}`;
  const ref = secretRefName(source.secret);
  const secret = ref === undefined ? source.secret : env[ref];
  if (secret === undefined || secret === "")
    return `# set ${ref} to the webhook secret, then sign the body with it (X-Signature: sha256=<hex hmac>)`;
  if (scheme === "hmac-sha256")
    return `${head} -H ${shq(`X-Signature: ${signHmacSha256(secret, SAMPLE_BODY)}`)} -d ${shq(SAMPLE_BODY)}`;
  if (scheme === "standard-webhooks") {
    const id = `msg_evd_${nowSeconds}`;
    return `${head} -H 'webhook-id: ${id}' -H 'webhook-timestamp: ${nowSeconds}' -H ${shq(`webhook-signature: ${signStandardWebhook(secret, id, nowSeconds, SAMPLE_BODY)}`)} -d ${shq(SAMPLE_BODY)}`;
  }
  return undefined;
}

export interface BannerInput {
  readonly config: OrchestratorConfig;
  readonly configPath: string;
  readonly stateDir: string;
  /** The address really bound (`http://0.0.0.0:8080` when listening on every interface). */
  readonly webhookUrl?: string;
  /** A URL that reaches it from this machine (for the sample curl). @default webhookUrl */
  readonly localWebhookUrl?: string;
  readonly sources: readonly { name: string; type: string; handler: string; state: string; detail?: string }[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly nowSeconds: number;
  readonly background?: boolean;
  /** A one-time login URL of the dashboard. */
  readonly dashboardUrl?: string;
}

export function banner(input: BannerInput): string {
  const lines = [
    `evd daemon ready (pid ${process.pid})`,
    `  config: ${input.configPath}`,
    `  state:  ${input.stateDir}`,
  ];
  const local = input.localWebhookUrl ?? input.webhookUrl;
  if (input.webhookUrl) {
    lines.push(`  listening on ${input.webhookUrl}  (GET ${local}/healthz)`);
    if (local !== input.webhookUrl)
      lines.push(`  every interface: reachable from other machines; from this one: ${local}`);
  } else lines.push("  no webhook server (no HTTP source selected)");
  if (input.dashboardUrl) lines.push(`  dashboard: ${input.dashboardUrl}  (this link logs one browser in, once)`);
  lines.push("  sources:");
  for (const s of input.sources)
    lines.push(`    - ${s.name} (${s.type} -> ${s.handler}): ${s.state}${s.detail ? `, ${s.detail}` : ""}`);
  const curl = local ? sampleCurl(input.config, local, input.env, input.nowSeconds) : undefined;
  if (curl) lines.push("  send a test event:", `    ${curl}`);
  const firstHandler = Object.keys(input.config.handlers)[0];
  if (firstHandler)
    lines.push(
      "  or trigger a handler:",
      `    npx evd daemon trigger --handler ${firstHandler} --config ${shq(input.configPath)}`,
    );
  lines.push("  stop with Ctrl-C or `npx evd daemon stop`");
  return lines.join("\n");
}
