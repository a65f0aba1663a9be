/**
 * What every in-process emulator is: a Node request handler. `serveHandler` puts one on its own
 * port (the tests' harness does that); `evd cloud local` mounts them all behind one endpoint.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EmulatorError } from "../errors.ts";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface ListeningServer extends RunningServer {
  readonly port: number;
  readonly server: Server;
}

/** Listens on 127.0.0.1 (port 0: any free port) and resolves once it does. */
export async function serveHandler(handler: RequestHandler, port = 0, host = "127.0.0.1"): Promise<ListeningServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new EmulatorError(`port ${port} on ${host} is already in use`, { cause: err })
          : err,
      ),
    );
    server.listen(port, host, () => {
      server.removeAllListeners("error");
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return { endpoint: `http://${host}:${actual}`, port: actual, server, stop: () => closeServer(server) };
}

/** Closes a server and every connection it holds (keep-alive sockets would otherwise hold it open). */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** The request body, whole (the emulated APIs take small JSON or form bodies). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A JSON answer in the shape the AWS JSON protocols use (`x-amzn-errortype` on errors). */
export function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  opts: { contentType?: string; errorType?: string } = {},
): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    "content-type": opts.contentType ?? "application/x-amz-json-1.1",
    "content-length": String(Buffer.byteLength(text)),
    ...(opts.errorType ? { "x-amzn-errortype": opts.errorType } : {}),
  });
  res.end(text);
}

/** An AWS JSON-protocol error: `{"__type","message"}` plus the error type header. */
export function sendAwsJsonError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  contentType?: string,
): void {
  sendJson(
    res,
    status,
    { __type: type, message, Message: message },
    { errorType: type, ...(contentType ? { contentType } : {}) },
  );
}
