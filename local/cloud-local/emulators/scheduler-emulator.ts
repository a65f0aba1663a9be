/**
 * EventBridge Scheduler's control plane, speaking the REST-JSON wire format the real
 * `@aws-sdk/client-scheduler` uses: CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule,
 * ListSchedules, CreateScheduleGroup, GetScheduleGroup, ListScheduleGroups. No emulator for
 * Scheduler exists on npm. It stores definitions; `schedule-firing.ts` fires them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson, serveHandler, type RequestHandler, type RunningServer } from "./http-service.ts";

export interface StoredSchedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  State: string;
  Description?: string;
  StartDate?: number;
  EndDate?: number;
  KmsKeyArn?: string;
  Target: Record<string, unknown> & { Arn: string; RoleArn: string; Input?: string };
  FlexibleTimeWindow: Record<string, unknown>;
  ActionAfterCompletion?: string;
  CreationDate: number;
  LastModificationDate: number;
}

export interface SchedulerEmulatorOptions {
  /** @default "us-east-1" */
  readonly region?: string;
  /** @default "123456789012" */
  readonly accountId?: string;
}

export interface SchedulerEmulator {
  readonly handler: RequestHandler;
  /** The stored schedules by `<group>/<name>`. */
  readonly schedules: ReadonlyMap<string, Readonly<StoredSchedule>>;
  /** Called after every create, update or delete (the firing clock re-plans). */
  onChange(listener: () => void): void;
  /** Removes a one-time schedule after it fired, when its ActionAfterCompletion says DELETE. */
  remove(group: string, name: string): void;
}

function fail(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { message, Message: message }, { contentType: "application/json", errorType: type });
}

function ok(res: ServerResponse, body: unknown): void {
  sendJson(res, 200, body, { contentType: "application/json" });
}

export function schedulerEmulator(opts: SchedulerEmulatorOptions = {}): SchedulerEmulator {
  const region = opts.region ?? "us-east-1";
  const account = opts.accountId ?? "123456789012";
  const schedules = new Map<string, StoredSchedule>();
  const groups = new Map<string, { Name: string; Arn: string; State: string; CreationDate: number }>();
  const listeners: (() => void)[] = [];
  const changed = () => {
    for (const l of listeners) l();
  };
  const key = (group: string, name: string): string => `${group}/${name}`;
  const groupArn = (name: string) => `arn:aws:scheduler:${region}:${account}:schedule-group/${name}`;
  groups.set("default", {
    Name: "default",
    Arn: groupArn("default"),
    State: "ACTIVE",
    CreationDate: Date.now() / 1000,
  });

  const validate = (body: Record<string, unknown>, res: ServerResponse): boolean => {
    const target = body.Target as Record<string, unknown> | undefined;
    if (typeof body.ScheduleExpression !== "string" || !body.ScheduleExpression) {
      fail(res, 400, "ValidationException", "ScheduleExpression is required");
      return false;
    }
    if (!target || typeof target.Arn !== "string" || typeof target.RoleArn !== "string") {
      fail(res, 400, "ValidationException", "Target.Arn and Target.RoleArn are required");
      return false;
    }
    if (!body.FlexibleTimeWindow) {
      fail(res, 400, "ValidationException", "FlexibleTimeWindow is required");
      return false;
    }
    if (body.State !== undefined && body.State !== "ENABLED" && body.State !== "DISABLED") {
      fail(res, 400, "ValidationException", `State must be ENABLED or DISABLED, got ${String(body.State)}`);
      return false;
    }
    return true;
  };

  const scheduleGroupRoute = async (req: IncomingMessage, res: ServerResponse, name: string | undefined) => {
    const now = Date.now() / 1000;
    if (name === undefined) {
      if (req.method !== "GET") return fail(res, 405, "ValidationException", "method not allowed");
      return ok(res, { ScheduleGroups: [...groups.values()] });
    }
    if (req.method === "GET") {
      const g = groups.get(name);
      return g ? ok(res, g) : fail(res, 404, "ResourceNotFoundException", `Schedule group ${name} does not exist.`);
    }
    if (req.method === "POST") {
      await readBody(req);
      if (groups.has(name)) return fail(res, 409, "ConflictException", `Schedule group ${name} already exists.`);
      groups.set(name, { Name: name, Arn: groupArn(name), State: "ACTIVE", CreationDate: now });
      return ok(res, { ScheduleGroupArn: groupArn(name) });
    }
    if (req.method === "DELETE") {
      if (!groups.delete(name))
        return fail(res, 404, "ResourceNotFoundException", `Schedule group ${name} does not exist.`);
      for (const [k, s] of schedules) if (s.GroupName === name) schedules.delete(k);
      changed();
      return ok(res, {});
    }
    return fail(res, 405, "ValidationException", `method ${req.method} not allowed`);
  };

  const scheduleRoute = async (req: IncomingMessage, res: ServerResponse, url: URL, name: string | undefined) => {
    const now = Date.now() / 1000;
    if (name === undefined) {
      if (req.method !== "GET") return fail(res, 405, "ValidationException", "method not allowed");
      const prefix = url.searchParams.get("NamePrefix") ?? "";
      const group = url.searchParams.get("ScheduleGroup");
      const state = url.searchParams.get("State");
      const max = Number(url.searchParams.get("MaxResults") ?? "100");
      const start = Number(url.searchParams.get("NextToken") ?? "0");
      const all = [...schedules.values()]
        .filter((s) => s.Name.startsWith(prefix) && (!group || s.GroupName === group) && (!state || s.State === state))
        .sort((a, b) => a.Name.localeCompare(b.Name));
      const page = all.slice(start, start + max);
      const next = start + max < all.length ? String(start + max) : undefined;
      return ok(res, {
        Schedules: page.map((s) => ({
          Arn: s.Arn,
          Name: s.Name,
          GroupName: s.GroupName,
          State: s.State,
          CreationDate: s.CreationDate,
          LastModificationDate: s.LastModificationDate,
          Target: { Arn: s.Target.Arn },
        })),
        ...(next ? { NextToken: next } : {}),
      });
    }
    const group = url.searchParams.get("groupName") ?? "default";
    const k = key(group, name);
    if (req.method === "GET") {
      const s = schedules.get(k);
      return s ? ok(res, s) : fail(res, 404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
    }
    if (req.method === "DELETE") {
      if (!schedules.delete(k)) return fail(res, 404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
      changed();
      return ok(res, {});
    }
    if (req.method === "POST" || req.method === "PUT") {
      const text = (await readBody(req)).toString("utf8");
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      const g = typeof body.GroupName === "string" ? body.GroupName : "default";
      if (!groups.has(g)) return fail(res, 404, "ResourceNotFoundException", `Schedule group ${g} does not exist.`);
      const bk = key(g, name);
      const existing = schedules.get(bk);
      if (req.method === "POST" && existing)
        return fail(res, 409, "ConflictException", `Schedule ${name} already exists.`);
      if (req.method === "PUT" && !existing)
        return fail(res, 404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
      if (!validate(body, res)) return;
      const arn = `arn:aws:scheduler:${region}:${account}:schedule/${g}/${name}`;
      // UpdateSchedule replaces the whole definition: unspecified optional fields are reset.
      schedules.set(bk, {
        Name: name,
        GroupName: g,
        Arn: arn,
        ScheduleExpression: body.ScheduleExpression as string,
        ...(typeof body.ScheduleExpressionTimezone === "string"
          ? { ScheduleExpressionTimezone: body.ScheduleExpressionTimezone }
          : {}),
        State: (body.State as string | undefined) ?? "ENABLED",
        ...(typeof body.Description === "string" ? { Description: body.Description } : {}),
        ...(typeof body.StartDate === "number" ? { StartDate: body.StartDate } : {}),
        ...(typeof body.EndDate === "number" ? { EndDate: body.EndDate } : {}),
        ...(typeof body.KmsKeyArn === "string" ? { KmsKeyArn: body.KmsKeyArn } : {}),
        ...(typeof body.ActionAfterCompletion === "string"
          ? { ActionAfterCompletion: body.ActionAfterCompletion }
          : {}),
        Target: body.Target as StoredSchedule["Target"],
        FlexibleTimeWindow: body.FlexibleTimeWindow as Record<string, unknown>,
        CreationDate: existing?.CreationDate ?? now,
        LastModificationDate: now,
      });
      changed();
      return ok(res, { ScheduleArn: arn });
    }
    return fail(res, 405, "ValidationException", `method ${req.method} not allowed`);
  };

  const handler: RequestHandler = (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      if (parts.length <= 2 && parts[0] === "schedules") return scheduleRoute(req, res, url, parts[1]);
      if (parts.length <= 2 && parts[0] === "schedule-groups") return scheduleGroupRoute(req, res, parts[1]);
      return fail(res, 404, "ResourceNotFoundException", `no route ${req.method} ${url.pathname}`);
    })().catch((err: unknown) =>
      fail(res, 500, "InternalServerException", err instanceof Error ? err.message : String(err)),
    );
  };

  return {
    handler,
    schedules,
    onChange: (l) => listeners.push(l),
    remove(group, name) {
      if (schedules.delete(key(group, name))) changed();
    },
  };
}

export interface SchedulerServer extends RunningServer {
  readonly schedules: ReadonlyMap<string, Readonly<StoredSchedule>>;
}

/** The emulator alone on its own port (the integration tests' harness). */
export async function startSchedulerServer(opts: SchedulerEmulatorOptions = {}): Promise<SchedulerServer> {
  const emulator = schedulerEmulator(opts);
  const served = await serveHandler(emulator.handler);
  return { endpoint: served.endpoint, stop: served.stop, schedules: emulator.schedules };
}
