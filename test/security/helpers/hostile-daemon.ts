/**
 * A daemon started as a user starts it, with one endpoint of each kind to attack: the GitHub
 * endpoint, an `X-Signature` webhook, a Standard Webhooks one and one with a 1 KiB body limit.
 * Every handler appends its event id to a file, so a run that should not happen leaves a trace.
 */
import { readFileSync } from "node:fs";
import { startDaemonProcess, tempDir, writeConfig, type DaemonProcess } from "../../e2e/helpers/daemon-process.ts";

export const SECRETS = {
  GH_SECRET: "gh-hostile-secret-0123456789",
  DEPLOY_SECRET: "deploy-hostile-secret-0123456789",
  SW_SECRET: `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`,
} as const;

export function hostileConfig(extra = ""): string {
  const effect = (name: string) => `
    steps:
      - tool: tool-filesystem
        action: append
        path: effects/${name}.log
        content: "{event.id}\\n"`;
  return `
sources:
  - type: git_push
    secret: \${GH_SECRET}
    handler: on-push
  - type: webhook
    path: /hooks/deploy
    secret: \${DEPLOY_SECRET}
    handler: deploy
  - type: webhook
    path: /hooks/sw
    signature: standard-webhooks
    secret: \${SW_SECRET}
    handler: sw
  - type: webhook
    path: /hooks/small
    secret: \${DEPLOY_SECRET}
    max_body_bytes: 1024
    handler: deploy
${extra}
handlers:
  on-push:${effect("push")}
  deploy:${effect("deploy")}
  sw:${effect("sw")}
  nightly:${effect("nightly")}
webhook_port: 0
state_file: state/event-state.json
`;
}

export interface HostileDaemon {
  readonly daemon: DaemonProcess;
  readonly port: number;
  readonly dir: string;
  /** Jobs in the store, all states (what "nothing was enqueued" is measured by). */
  jobs(): Promise<number>;
  /** GET /healthz answers 200 with status ok. */
  healthy(): Promise<boolean>;
  /** Resident memory of the daemon process (Linux /proc), MiB. */
  rssMiB(): number;
  effects(name: string): string[];
  stop(): Promise<void>;
}

export async function startHostileDaemon(
  prefix: string,
  extra = "",
  env: Record<string, string> = {},
): Promise<HostileDaemon> {
  const tmp = await tempDir(prefix);
  const configPath = await writeConfig(tmp.dir, "evd.yaml", hostileConfig(extra));
  const daemon = await startDaemonProcess({ configPath, env: { ...SECRETS, ...env } });
  const port = Number(new URL(daemon.url!).port);
  return {
    daemon,
    port,
    dir: tmp.dir,
    async jobs() {
      const s = await daemon.admin.call<{ counts: Record<string, number> }>("GET", "/status");
      return Object.values(s.counts).reduce((a, b) => a + b, 0);
    },
    async healthy() {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        const body = (await res.json()) as { status?: string };
        return res.status === 200 && body.status === "ok";
      } catch {
        return false;
      }
    },
    rssMiB() {
      const status = readFileSync(`/proc/${daemon.proc.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
    },
    effects(name) {
      try {
        return readFileSync(`${tmp.dir}/effects/${name}.log`, "utf8")
          .split("\n")
          .filter((l) => l !== "");
      } catch {
        return [];
      }
    },
    async stop() {
      await daemon.stop();
      await tmp.cleanup();
    },
  };
}
