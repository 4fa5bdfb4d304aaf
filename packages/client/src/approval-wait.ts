/**
 * Waiting for a person to decide an escalated action: polls where its approval request stands
 * (`GET /v1/decisions/approvals/{id}`) with a growing interval until it is no longer pending, the
 * deadline passes or the caller aborts. Waiting never allows anything: only regent's answer to the
 * identical request, asked again afterwards, can (an approval is used by that ask, once). Anything
 * it cannot read ends the wait as `unknown`: fail closed.
 */
import type { ApprovalState, ApprovalStatus, Decision } from './types.ts';

/** How long and how often to wait. */
export interface ApprovalWaitOptions {
  /**
   * How long to wait at most, in ms. 0 does not wait (one read, if the request is still pending).
   * A read begun before it ends may finish after it, within the client's call deadline.
   */
  deadlineMs: number;
  /** Ends the wait early (ended `aborted`). */
  signal?: AbortSignal;
  /** First delay between reads, in ms; it doubles after each read up to `maxIntervalMs`. Default 250. */
  intervalMs?: number;
  /** Longest delay between reads, in ms. Default 5000. */
  maxIntervalMs?: number;
}

/** How a wait ended. */
export interface ApprovalWait {
  /**
   * The last state read: `approved` only means the identical request may now be asked again;
   * `pending` when the deadline passed or the wait was aborted first; `unknown` when regent could
   * not say (treat as not approved).
   */
  state: ApprovalState | 'unknown';
  /** Why the wait ended: a final state, the deadline, the caller's signal, or an error. */
  ended: 'decided' | 'deadline' | 'aborted' | 'error';
  /** The approver's reason, when a person decided. */
  reason?: string;
  /** Why the state is `unknown`. */
  error?: string;
}

/** One read of a request's status: the status, or why there is none. */
export type ApprovalStatusAnswer = { ok: true; status: ApprovalStatus } | { ok: false; error: string };

/** Reads one status (the client's `approvalStatus`), bounded by `timeoutMs` and `signal`. */
export type StatusReader = (
  id: string,
  options: { timeoutMs: number; signal?: AbortSignal },
) => Promise<ApprovalStatusAnswer>;

/** Waits for the approval request of an `escalate` answer (see {@link ApprovalWait}). */
export async function waitForApproval(
  read: StatusReader,
  decision: Decision,
  options: ApprovalWaitOptions,
  callTimeoutMs: number,
): Promise<ApprovalWait> {
  const approval = decision.approval;
  if (approval === undefined)
    return { state: 'unknown', ended: 'error', error: 'the answer names no approval request' };
  if (approval.state !== 'pending') return { state: approval.state, ended: 'decided' };
  const end = Date.now() + Math.max(0, options.deadlineMs);
  let delay = Math.max(1, options.intervalMs ?? 250);
  const maxDelay = Math.max(delay, options.maxIntervalMs ?? 5000);
  for (;;) {
    if (aborted(options.signal)) return { state: 'pending', ended: 'aborted' };
    // Each read has the client's own deadline, not what is left of the wait: a read begun just
    // before the end still says where the request stands (so the wait may run over by one read).
    const answer = await read(approval.id, {
      timeoutMs: callTimeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (aborted(options.signal)) return { state: 'pending', ended: 'aborted' };
    if (!answer.ok) return { state: 'unknown', ended: 'error', error: answer.error };
    if (answer.status.id !== approval.id)
      return { state: 'unknown', ended: 'error', error: 'regent answered about another approval request' };
    if (answer.status.state !== 'pending')
      return {
        state: answer.status.state,
        ended: 'decided',
        ...(answer.status.reason === undefined ? {} : { reason: answer.status.reason }),
      };
    const remaining = end - Date.now();
    if (remaining <= 0) return { state: 'pending', ended: 'deadline' };
    if (!(await sleep(Math.min(delay, remaining), options.signal))) return { state: 'pending', ended: 'aborted' };
    delay = Math.min(maxDelay, delay * 2);
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve(false);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** True once `signal` has aborted (a function, so a check after an await is not narrowed away). */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
