/**
 * CPU time of the system's processes, from the kernel's counters (/proc/<pid>/stat: utime, stime, and for the
 * root the cutime/cstime of the children it reaped), not from a sampling profiler: on a shared, oversubscribed
 * VM wall time is noise, CPU time much less so. The root is `scaleface up` (the web tier and the autoscaler);
 * every descendant is an app-tier worker. The parsing and the arithmetic are pure and tested; readTreeCpu does
 * the I/O.
 */
import { readFile } from 'node:fs/promises';
import { treePids } from './process-tree.js';

/** Clock ticks per second of /proc's CPU fields (USER_HZ: 100 on every Linux the bench runs on). */
export const TICKS_PER_SECOND = 100;

export interface StatCpu {
  /** utime + stime of the process itself, in ticks. */
  readonly ownTicks: number;
  /** cutime + cstime: CPU of the children it waited for (exited workers), in ticks. */
  readonly reapedChildTicks: number;
}

/** The CPU fields of /proc/<pid>/stat (14-17: utime, stime, cutime, cstime); undefined when it does not parse. */
export function parseStatCpu(text: string): StatCpu | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields after "(comm) ": state is field 3, so field n is at index n - 3.
  const fields = text.slice(close + 2).split(' ').map(Number);
  const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]];
  if (![utime, stime, cutime, cstime].every((v) => Number.isInteger(v))) return undefined;
  return { ownTicks: (utime as number) + (stime as number), reapedChildTicks: (cutime as number) + (cstime as number) };
}

/** CPU milliseconds of the web tier (the root) and of every worker it ran (live or exited), at one moment. */
export interface TreeCpu {
  readonly webMs: number;
  readonly workersMs: number;
  /** CPU ms of each live worker, by pid. */
  readonly perWorkerMs: ReadonlyMap<number, number>;
}

/** The tree's CPU from each process's counters: workers = live descendants + what the root reaped. */
export function treeCpuOf(rootPid: number, cpuOf: ReadonlyMap<number, StatCpu>, pids: readonly number[]): TreeCpu {
  const toMs = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
  const root = cpuOf.get(rootPid);
  const perWorkerMs = new Map<number, number>();
  for (const pid of pids) {
    const cpu = cpuOf.get(pid);
    if (pid !== rootPid && cpu !== undefined) perWorkerMs.set(pid, toMs(cpu.ownTicks + cpu.reapedChildTicks));
  }
  const live = [...perWorkerMs.values()].reduce((a, b) => a + b, 0);
  return { webMs: toMs(root?.ownTicks ?? 0), workersMs: live + toMs(root?.reapedChildTicks ?? 0), perWorkerMs };
}

/** CPU per request between two readings of the tree and of the load client's own process.cpuUsage(). */
export interface CpuWindow {
  readonly answers: number;
  readonly webMsPerRequest: number;
  readonly workersMsPerRequest: number;
  readonly loadClientMsPerRequest: number;
}

export interface CpuReading {
  readonly tree: TreeCpu;
  /** process.cpuUsage() of the load client (this process), user + system, in ms. */
  readonly clientMs: number;
  /** Answers received so far. */
  readonly answers: number;
}

export function cpuWindow(from: CpuReading, to: CpuReading): CpuWindow | null {
  const answers = to.answers - from.answers;
  if (answers <= 0) return null;
  return {
    answers,
    webMsPerRequest: (to.tree.webMs - from.tree.webMs) / answers,
    workersMsPerRequest: (to.tree.workersMs - from.tree.workersMs) / answers,
    loadClientMsPerRequest: (to.clientMs - from.clientMs) / answers,
  };
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined; // exited between listing and reading
  }
}

/** The tree under `rootPid` and its CPU now; null when /proc cannot be read (not Linux). */
export async function readTreeCpu(rootPid: number): Promise<TreeCpu | null> {
  try {
    const pids = await treePids(rootPid);
    const cpu = new Map<number, StatCpu>();
    await Promise.all(pids.map(async (pid) => {
      const text = await readOrUndefined(`/proc/${pid}/stat`);
      const counters = text === undefined ? undefined : parseStatCpu(text);
      if (counters) cpu.set(pid, counters);
    }));
    if (!cpu.has(rootPid)) return null;
    return treeCpuOf(rootPid, cpu, pids);
  } catch {
    return null;
  }
}

/** This process's CPU (user + system) in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
