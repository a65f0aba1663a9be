// A hook module the bench loads into `evd daemon` for figure 3: on event:handler:start it sends
// "<delivery id> <epoch ms>" (sub-millisecond clock) in a UDP datagram to BENCH_HOOK_PORT.
import { createSocket } from "node:dgram";
import { performance } from "node:perf_hooks";

const port = Number(process.env.BENCH_HOOK_PORT);
const socket = createSocket("udp4");
socket.unref();

export default {
  "event:handler:start": (data) => {
    const at = performance.timeOrigin + performance.now();
    const id = data.event?.metadata?.delivery_id ?? data.event?.id;
    socket.send(`${id} ${at}`, port, "127.0.0.1");
  },
};
