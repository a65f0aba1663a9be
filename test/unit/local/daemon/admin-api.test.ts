import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AdminRequestError,
  startAdminApi,
  type AdminApi,
  type DaemonControl,
} from "../../../../local/daemon/admin-api.ts";
import {
  adminClient,
  DaemonNotRunningError,
  readAdminInfo,
  type AdminCallError,
} from "../../../../local/daemon/admin-client.ts";
import {
  assertPidFileFree,
  isProcessAlive,
  PidFileError,
  readPidFile,
  writePidFile,
} from "../../../../local/daemon/pid-file.ts";
import { silentLogger } from "../../../../shared/logging/logger.ts";

describe("admin API", () => {
  let dir = "";
  let api: AdminApi;
  const calls: unknown[] = [];
  const control: DaemonControl = {
    status: async () => ({ sources: [], queue_depth: 0 }),
    trigger: async (input) => {
      calls.push(["trigger", input]);
      if (input.handler === "nope") throw new AdminRequestError(404, "unknown_handler", "no handler nope");
      return { status: "accepted" };
    },
    history: async (q) => {
      calls.push(["history", q]);
      return [];
    },
    stop: async () => ({ stopping: true }),
    replay: async (q) => {
      calls.push(["replay", q]);
      return { replayed: 0 };
    },
    state: async () => ({ last_run: {} }),
    dlqList: async () => [],
    approvals: async () => [],
    decide: async (input) => {
      calls.push(["decide", input]);
      return { state: input.approve ? "PENDING" : "DENIED" };
    },
    dlqRedrive: async (sel) => {
      calls.push(["redrive", sel]);
      return { redriven: 1 };
    },
    gitPush: async (p) => {
      calls.push(["git-push", p]);
      return { status: "accepted" };
    },
    resume: async (input) => {
      calls.push(["resume", input]);
      return { resumed: true };
    },
    trace: async (input) => {
      calls.push(["trace", input]);
      return { spans: [] };
    },
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "evd-admin-"));
    api = await startAdminApi({ stateDir: dir, control, logger: silentLogger });
  });
  after(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes admin.json with mode 0600 on loopback", async () => {
    const s = await stat(join(dir, "admin.json"));
    assert.equal(s.mode & 0o777, 0o600);
    const info = readAdminInfo(dir);
    assert.equal(info?.host, "127.0.0.1");
    assert.equal(info?.pid, process.pid);
    assert.equal(info?.token.length, 64);
  });

  it("refuses requests without the right token", async () => {
    const port = api.info.port;
    const none = await fetch(`http://127.0.0.1:${port}/status`);
    assert.equal(none.status, 401);
    const wrong = await fetch(`http://127.0.0.1:${port}/status`, { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: string }).error, "unauthorized");
  });

  it("routes the verbs to the daemon with their arguments", async () => {
    const client = adminClient(dir);
    assert.deepEqual(await client.call("GET", "/status"), { sources: [], queue_depth: 0 });
    assert.deepEqual(await client.call("POST", "/trigger", { handler: "weekly", payload: { a: 1 } }), {
      status: "accepted",
    });
    await client.call("GET", "/history?limit=5&handler=weekly&status=failed");
    await client.call("POST", "/replay", { handler: "h", since: "2026-01-01T00:00:00Z", status: "failed" });
    await client.call("POST", "/dlq/redrive", { all: true });
    assert.deepEqual(calls, [
      ["trigger", { handler: "weekly", payload: { a: 1 } }],
      ["history", { limit: 5, handler: "weekly", status: "failed" }],
      ["replay", { handler: "h", since: "2026-01-01T00:00:00Z", status: "failed" }],
      ["redrive", { id: undefined, all: true }],
    ]);
  });

  it("answers bad input with a JSON error naming it", async () => {
    const client = adminClient(dir);
    await assert.rejects(
      client.call("POST", "/trigger", {}),
      (e: AdminCallError) => e.status === 400 && /handler/.test(e.message),
    );
    await assert.rejects(
      client.call("POST", "/trigger", { handler: "nope" }),
      (e: AdminCallError) => e.status === 404 && e.code === "unknown_handler",
    );
    await assert.rejects(client.call("GET", "/history?limit=0"), (e: AdminCallError) => e.status === 400);
    await assert.rejects(client.call("GET", "/nowhere"), (e: AdminCallError) => e.status === 404);
    await assert.rejects(client.call("GET", "/trigger"), (e: AdminCallError) => e.status === 405);
    await assert.rejects(client.call("POST", "/dlq/redrive", {}), (e: AdminCallError) => e.status === 400);
  });

  it("says plainly when no daemon runs", async () => {
    const empty = await mkdtemp(join(tmpdir(), "evd-admin-none-"));
    assert.throws(() => adminClient(empty), DaemonNotRunningError);
    await rm(empty, { recursive: true, force: true });
  });
});

describe("pid file", () => {
  it("writes our pid, refuses a live one, and removes only its own", async () => {
    const dir = await mkdtemp(join(tmpdir(), "evd-pid-"));
    const file = join(dir, "sub", "d.pid");
    const remove = writePidFile(file);
    assert.equal(readPidFile(file), process.pid);
    // Another live process in the file: refused.
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    await writeFile(file, `${child.pid}\n`);
    assert.throws(() => assertPidFileFree(file), PidFileError);
    remove();
    assert.equal(readPidFile(file), child.pid);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.equal(isProcessAlive(child.pid!), false);
    // A stale pid is taken over.
    const again = writePidFile(file);
    again();
    assert.equal(readPidFile(file), undefined);
    await rm(dir, { recursive: true, force: true });
  });
});
