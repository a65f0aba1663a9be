/**
 * An in-repo EventBridge Scheduler endpoint speaking the REST-JSON wire format the real
 * `@aws-sdk/client-scheduler` uses: CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule,
 * ListSchedules. No emulator for Scheduler exists on npm; this keeps the adapter honest about the
 * wire (paths, query names, epoch-second timestamps, error type headers) without an SDK mock.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunningServer } from "./dynamo-local.ts";

interface StoredSchedule {
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
  Target: Record<string, unknown> & { Arn: string; RoleArn: string };
  FlexibleTimeWindow: Record<string, unknown>;
  ActionAfterCompletion?: string;
  CreationDate: number;
  LastModificationDate: number;
}

export interface SchedulerServer extends RunningServer {
  /** The stored schedules, for assertions. */
  readonly schedules: ReadonlyMap<string, Readonly<StoredSchedule>>;
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  };
  if (errorType) headers["x-amzn-errortype"] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}

function fail(res: ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { message, Message: message }, type);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startSchedulerServer(
  opts: { region?: string; accountId?: string } = {},
): Promise<SchedulerServer> {
  const region = opts.region ?? "us-east-1";
  const account = opts.accountId ?? "123456789012";
  const schedules = new Map<string, StoredSchedule>();
  const key = (group: string, name: string): string => `${group}/${name}`;

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

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      if (parts[0] !== "schedules" || parts.length > 2)
        return fail(res, 404, "ResourceNotFoundException", `no route ${req.method} ${url.pathname}`);
      const now = Date.now() / 1000;
      if (parts.length === 1) {
        if (req.method !== "GET") return fail(res, 405, "ValidationException", "method not allowed");
        const prefix = url.searchParams.get("NamePrefix") ?? "";
        const group = url.searchParams.get("ScheduleGroup");
        const state = url.searchParams.get("State");
        const max = Number(url.searchParams.get("MaxResults") ?? "100");
        const start = Number(url.searchParams.get("NextToken") ?? "0");
        const all = [...schedules.values()]
          .filter(
            (s) => s.Name.startsWith(prefix) && (!group || s.GroupName === group) && (!state || s.State === state),
          )
          .sort((a, b) => a.Name.localeCompare(b.Name));
        const page = all.slice(start, start + max);
        const next = start + max < all.length ? String(start + max) : undefined;
        return send(res, 200, {
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
      const name = parts[1]!;
      const group = url.searchParams.get("groupName") ?? "default";
      const k = key(group, name);
      if (req.method === "GET") {
        const s = schedules.get(k);
        return s ? send(res, 200, s) : fail(res, 404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
      }
      if (req.method === "DELETE") {
        if (!schedules.delete(k))
          return fail(res, 404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
        return send(res, 200, {});
      }
      if (req.method === "POST" || req.method === "PUT") {
        const body = await readJson(req);
        const g = typeof body.GroupName === "string" ? body.GroupName : "default";
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
        return send(res, 200, { ScheduleArn: arn });
      }
      return fail(res, 405, "ValidationException", `method ${req.method} not allowed`);
    })().catch((err: unknown) =>
      fail(res, 500, "InternalServerException", err instanceof Error ? err.message : String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    schedules,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
