/**
 * CPU time and peak memory of a server from /proc, summed over the process and its descendants
 * so the numbers stay right when regent serves from cluster workers (separate processes);
 * worker threads are threads of one process and are already counted in its stat line.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of utime/stime (getconf CLK_TCK, 100 on Linux almost everywhere). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface StatLine {
  ppid: number;
  /** utime + stime in ticks. */
  ticks: number;
}

/** A /proc stat file (`/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat`), or undefined once gone. */
function readStat(pid: number, file = `/proc/${pid}/stat`): StatLine | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** `pid` and every live descendant. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(name));
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.pop()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** CPU seconds (user + system) used so far by `pid` and its descendants. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) ticks += readStat(p)?.ticks ?? 0;
  return ticks / clockTicks();
}

/**
 * CPU seconds used so far by the main thread of `pid` alone (its thread id is the pid): for regent,
 * the HTTP thread, which parses, decides (all but policy evaluation), audits and answers.
 */
export function mainThreadCpuSeconds(pid: number): number {
  return (readStat(pid, `/proc/${pid}/task/${pid}/stat`)?.ticks ?? 0) / clockTicks();
}

/** CPU seconds of one process's threads, by what the thread is (its name in /proc/<pid>/task/<tid>/comm). */
export interface ThreadCpu {
  /** The main thread: for regent, the HTTP thread. */
  main: number;
  /** `WorkerThread`: regent's evaluation workers. */
  workers: number;
  /** `libuv-worker`: libuv's pool, where file writes run (the audit trail's durable append, log lines). */
  libuv: number;
  /** `V8Worker` and `DelayedTaskSche`: V8's helpers (concurrent GC marking, compiling). */
  v8: number;
  /** Any other thread. */
  other: number;
}

/** CPU seconds used so far by each kind of thread of `pid` (this process only, not descendants). */
export function threadCpuSeconds(pid: number): ThreadCpu {
  const out: ThreadCpu = { main: 0, workers: 0, libuv: 0, v8: 0, other: 0 };
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const stat = readStat(pid, `/proc/${pid}/task/${tid}/stat`);
    if (stat === undefined) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // the thread ended between listing and reading
    }
    const seconds = stat.ticks / clockTicks();
    if (tid === String(pid)) out.main += seconds;
    else if (comm === 'WorkerThread') out.workers += seconds;
    else if (comm === 'libuv-worker') out.libuv += seconds;
    else if (comm === 'V8Worker' || comm === 'DelayedTaskSche') out.v8 += seconds;
    else out.other += seconds;
  }
  return out;
}

/** Peak resident set (VmHWM) in MiB, summed over the tree (an upper bound when processes share pages). */
export function peakRssMiB(pid: number): number {
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return kib / 1024;
}

/** Busy and total jiffies of the whole machine, to tell how much else ran during the benchmark. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** Busy CPU seconds of the whole machine so far (all cores). */
export function machineBusySeconds(): number {
  return machineTicks().busy / clockTicks();
}

/** CPU seconds of this process plus the children it has waited for (the load generator runs). */
export function selfAndChildrenSeconds(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / clockTicks();
}

/** Waits until `pid`'s tree uses less than `fraction` of a core over 250 ms, or `timeoutMs` passes. */
export async function waitIdle(pid: number, fraction = 0.1, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const before = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 250));
    if (cpuSeconds(pid) - before < 0.25 * fraction) return;
  }
}
