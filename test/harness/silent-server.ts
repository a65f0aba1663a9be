/**
 * An endpoint that accepts connections and never answers: an AWS service that hangs (a network
 * partition, an overloaded front end). What a client without timeouts would wait on forever.
 */
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { RunningServer } from "./dynamo-local.ts";

export async function startSilentServer(): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.resume(); // read and drop the request
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
