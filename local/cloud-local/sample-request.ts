/**
 * A ready-to-run, signed `curl` for the first route of the stack's HTTP API, built from the
 * orchestrator config inside the ingest function's deploy bundle (`EVD_BUNDLE_PATH`) and the
 * secret value the stack created: a GitHub push (or pull request, or the custom event) for a
 * GitHub source, a signed JSON body for a webhook source. None when the function carries no evd
 * bundle or the secret has no value yet.
 */
import { createHmac, randomUUID } from "node:crypto";
import { signStandardWebhook } from "../../shared/signatures/sign.ts";
import { readBundleConfig, type BundleSource } from "./evd-bundle.ts";
import type { HttpApiServer } from "./http-api/http-api-server.ts";

export interface SampleRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly curl: string;
  /** What the request exercises: `git_push source pushes-to-main`. */
  readonly describes: string;
}

export interface SampleInput {
  /** The URL of the route, stage prefix included. */
  readonly url: string;
  readonly routePath: string;
  /** The ingest function's environment. */
  readonly environment: Readonly<Record<string, string>>;
  /** A secret's current value by secret id (ARN or name) or `ssm:/path`. */
  readonly secretValue: (locator: string) => string | undefined;
}

/** Preference among the sources of one path: the request most likely to run without network. */
const PREFERENCE = ["webhook", "git_push", "custom", "git_pr"];
const GLOB = /[*?[\]!+]/;

function literal(values: readonly string[] | undefined, fallback: string): string {
  return values?.find((v) => !GLOB.test(v)) ?? fallback;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function secretOf(source: BundleSource, input: SampleInput): string | undefined {
  const secret = source.secret;
  if (!secret) return undefined;
  const ref = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(secret)?.[1];
  if (!ref) return secret;
  let map: Record<string, string> = {};
  try {
    map = JSON.parse(input.environment.EVD_SECRETS ?? "{}") as Record<string, string>;
  } catch {
    /* no map: the reference names the secret */
  }
  return input.secretValue(map[ref] ?? ref);
}

function githubBody(source: BundleSource): { event: string; body: Record<string, unknown> } {
  const repository = { full_name: literal(source.repositories, "octo-org/octo-repo") };
  const sender = { login: "evd-cloud-local", type: "User" };
  if (source.type === "git_pr") {
    const number = 1;
    return {
      event: "pull_request",
      body: {
        action: literal(source.events, "opened"),
        number,
        pull_request: {
          number,
          title: "A sample pull request",
          body: "",
          head: { ref: "feature", sha: "0000000000000000000000000000000000000001" },
          base: { ref: literal(source.branches, "main") },
        },
        repository,
        sender,
      },
    };
  }
  if (source.type === "custom")
    return { event: literal(source.github_events, "issues"), body: { action: "opened", repository, sender } };
  return {
    event: "push",
    body: { ref: `refs/heads/${literal(source.branches, "main")}`, repository, sender, commits: [], head_commit: null },
  };
}

export function sampleRequest(input: SampleInput): SampleRequest | undefined {
  const sources = readBundleConfig(input.environment)?.sources?.filter(
    (s) => s.path === input.routePath && s.enabled !== false,
  );
  const source = sources?.sort((a, b) => PREFERENCE.indexOf(a.type ?? "") - PREFERENCE.indexOf(b.type ?? ""))[0];
  if (!source) return undefined;
  const secret = secretOf(source, input);
  const headers: Record<string, string> = { "content-type": "application/json" };
  let body: string;
  const scheme = source.signature ?? (source.type === "webhook" ? (source.secret ? "hmac-sha256" : "none") : "github");
  if (source.type === "webhook") body = JSON.stringify({ hello: "world", sent_by: "evd cloud local" });
  else {
    const gh = githubBody(source);
    body = JSON.stringify(gh.body);
    headers["x-github-event"] = gh.event;
    headers["x-github-delivery"] = randomUUID();
  }
  if (scheme !== "none") {
    if (secret === undefined) return undefined;
    if (scheme === "github")
      headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    else if (scheme === "hmac-sha256")
      headers["x-signature"] = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    else if (scheme === "standard-webhooks") {
      const id = `msg_${randomUUID()}`;
      const ts = Math.floor(Date.now() / 1000);
      headers["webhook-id"] = id;
      headers["webhook-timestamp"] = String(ts);
      headers["webhook-signature"] = signStandardWebhook(secret, id, ts, body);
    } else return undefined;
  }
  const curl = [
    "curl -i -X POST",
    shellQuote(input.url),
    ...Object.entries(headers).map(([k, v]) => `-H ${shellQuote(`${k}: ${v}`)}`),
    `--data-binary ${shellQuote(body)}`,
  ].join(" ");
  return { url: input.url, headers, body, curl, describes: `${source.type} source ${source.name ?? ""}`.trim() };
}

/** The stack's first POST (or ANY) route that gives a sample, with the stage's path prefix. */
export function firstRouteSample(
  apis: Iterable<HttpApiServer>,
  secretValue: (locator: string) => string | undefined,
): SampleRequest | undefined {
  for (const api of apis) {
    const stage = api.stageNames.includes("$default") ? "" : api.stageNames[0] ? `/${api.stageNames[0]}` : undefined;
    if (stage === undefined) continue;
    for (const routeKey of api.routeKeys) {
      const [method, path] = routeKey.split(" ");
      if (method !== "POST" && method !== "ANY") continue;
      const fn = api.functionOfRoute(routeKey);
      if (!fn || !path) continue;
      const sample = sampleRequest({
        url: `${api.endpoint}${stage}${path}`,
        routePath: path,
        environment: fn.spec.environment,
        secretValue,
      });
      if (sample) return sample;
    }
  }
  return undefined;
}
