/**
 * What a target process costs, read from Linux's /proc (undefined elsewhere): CPU time of the
 * whole process (every thread, exited ones included: the kernel folds a dead thread's time into
 * /proc/PID/stat), and its resident memory now and at its peak (VmHWM).
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc's utime/stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface CpuTime {
  readonly userMs: number;
  readonly sysMs: number;
}

export function cpuTime(pid: number | undefined): CpuTime | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const tick = 1000 / TICKS_PER_SECOND;
    return { userMs: Number(fields[11]) * tick, sysMs: Number(fields[12]) * tick };
  } catch {
    return undefined;
  }
}

export function cpuSince(pid: number | undefined, start: CpuTime | undefined): CpuTime | undefined {
  const now = cpuTime(pid);
  if (!now || !start) return undefined;
  return { userMs: now.userMs - start.userMs, sysMs: now.sysMs - start.sysMs };
}

export function totalMs(cpu: CpuTime): number {
  return cpu.userMs + cpu.sysMs;
}

/** Resident set now and its high-water mark, in MiB. */
export function memory(pid: number | undefined): { rssMb: number; peakRssMb: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(/^(\w+):\s+(\d+) kB/m.exec(status.slice(status.indexOf(`${key}:`)))?.[2] ?? NaN);
    return { rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}
