/**
 * The penalty lane's worker runs at the lowest CPU priority (nice 19), so a suspect agent's
 * looping evaluations, and the start of the worker that replaces one cut off, take a core only
 * when nothing else wants it: on a busy machine other agents' evaluations and the HTTP thread go
 * first (issue 17, isolation).
 *
 * Imported first by the worker entry, so the priority is lowered before the worker loads its
 * modules and compiles the policy. Linux only: a thread's id is read from /proc/thread-self and
 * `setpriority` on a thread id changes that thread alone, never the process's other threads.
 * Elsewhere, or if refused, the lane runs at normal priority (its other bounds still hold).
 * An unprivileged process cannot raise a thread's priority again, which is why the lane is a
 * worker of its own rather than any worker lowered while it runs a suspect's job.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';

/** The nice value of the penalty lane's worker thread. */
export const LANE_NICE = 19;

/** A worker thread's kernel id and nice value, as it reports them in its ready message. */
export interface ThreadPriority {
  tid: number;
  nice: number;
}

/** This thread's kernel id (Linux), or undefined where /proc/thread-self is not there. */
export function currentThreadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    return Number.isSafeInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

function priorityOf(tid: number): ThreadPriority | undefined {
  try {
    return { tid, nice: getPriority(tid) };
  } catch {
    return undefined;
  }
}

/** Lowers this thread's priority to `nice` (only ever lowers); reports what it is afterwards. */
export function lowerThisThread(nice: number): ThreadPriority | undefined {
  const tid = currentThreadId();
  if (tid === undefined) return undefined;
  try {
    if (getPriority(tid) < nice) setPriority(tid, nice);
  } catch {
    // Refused (a sandbox): the lane keeps its other bounds.
  }
  return priorityOf(tid);
}

/** This worker's thread, lowered first if the pool started it as its penalty lane. */
export const threadPriority: ThreadPriority | undefined =
  (workerData as { lowPriority?: boolean } | null)?.lowPriority === true
    ? lowerThisThread(LANE_NICE)
    : ((tid) => (tid === undefined ? undefined : priorityOf(tid)))(currentThreadId());
