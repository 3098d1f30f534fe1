/**
 * Resident memory of a whole process tree on Linux: the root (`scaleface up`) and every descendant
 * (the app-tier workers it spawned), read from /proc/<pid>/stat (parent pid) and /proc/<pid>/status (VmRSS).
 * The parsing and the tree walk are pure and tested; readTreeRss does the I/O.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Pid and parent pid from the text of /proc/<pid>/stat; undefined when it does not parse. */
export function parseStat(text: string): { pid: number; ppid: number } | undefined {
  // "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so split after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(text.slice(0, text.indexOf(' ')), 10);
  const fields = text.slice(close + 2).split(' ');
  const ppid = Number.parseInt(fields[1] ?? '', 10);
  return Number.isInteger(pid) && Number.isInteger(ppid) ? { pid, ppid } : undefined;
}

/** VmRSS in kB from the text of /proc/<pid>/status; undefined for kernel threads and zombies (no such line). */
export function parseVmRssKb(text: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The root and every pid below it, given each process's parent. */
export function descendantsOf(rootPid: number, parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found: number[] = [];
  const pending = [rootPid];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    found.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Sum of the known RSS values of `pids`, in MB (missing ones, e.g. processes that just exited, count 0). */
export function totalRssMb(pids: readonly number[], rssKbOf: ReadonlyMap<number, number>): number {
  return pids.reduce((sum, pid) => sum + (rssKbOf.get(pid) ?? 0), 0) / 1024;
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

async function readParents(): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (pid) => {
      const stat = await readOrUndefined(`/proc/${pid}/stat`);
      const parsed = stat === undefined ? undefined : parseStat(stat);
      if (parsed) parents.set(parsed.pid, parsed.ppid);
    }),
  );
  return parents;
}

/**
 * The root and its descendants from the kernel's children lists (/proc/<pid>/task/<tid>/children): a few reads
 * per process of the tree instead of one per process of the machine, so the sampler costs the load client little.
 * Falls back to scanning every /proc/<pid>/stat where those lists are missing.
 */
export async function treePids(rootPid: number): Promise<number[]> {
  const found: number[] = [];
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    found.push(pid);
    let tasks: string[];
    try {
      tasks = await readdir(`/proc/${pid}/task`);
    } catch {
      continue; // exited meanwhile
    }
    const lists = await Promise.all(tasks.map((tid) => readOrUndefined(`/proc/${pid}/task/${tid}/children`)));
    if (pid === rootPid && lists.every((list) => list === undefined)) return descendantsOf(rootPid, await readParents());
    for (const list of lists) pending.push(...(list ?? '').split(' ').filter((p) => p !== '').map(Number));
  }
  return found;
}

export interface TreeMemory {
  readonly pids: number[];
  readonly rssMb: number;
  /** The largest process other than the root (a worker of `up`), in MB; null when the root is alone. */
  readonly largestChildMb: number | null;
  /** The root alone, in MB. */
  readonly rootMb: number;
}

/** The process tree under `rootPid` and its total resident memory; null when /proc cannot be read (not Linux). */
export async function readTreeRss(rootPid: number): Promise<TreeMemory | null> {
  try {
    const pids = await treePids(rootPid);
    const rss = new Map<number, number>();
    await Promise.all(
      pids.map(async (pid) => {
        const status = await readOrUndefined(`/proc/${pid}/status`);
        const kb = status === undefined ? undefined : parseVmRssKb(status);
        if (kb !== undefined) rss.set(pid, kb);
      }),
    );
    const children = pids.filter((pid) => pid !== rootPid).map((pid) => rss.get(pid) ?? 0);
    const largestChildMb = children.length === 0 ? null : Math.max(...children) / 1024;
    return { pids, rssMb: totalRssMb(pids, rss), largestChildMb, rootMb: (rss.get(rootPid) ?? 0) / 1024 };
  } catch {
    return null;
  }
}
