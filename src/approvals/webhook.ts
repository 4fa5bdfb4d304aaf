/**
 * Tells people an approval step happened: each step is POSTed as JSON to
 * REGENT_APPROVAL_WEBHOOK_URL, with a `text` line a chat incoming webhook (Slack, Mattermost,
 * Google Chat, Teams workflows) shows as is. The body is signed with HMAC-SHA256 under the key in
 * REGENT_APPROVAL_WEBHOOK_SECRET_FILE: `regent-signature: t=<unix seconds>,v1=<hex of
 * HMAC(key, "<t>.<body>")>`, so a receiver checks the body and the time it was signed (replay).
 * Deliveries leave from a bounded queue, one at a time, retried with exponential backoff on
 * network errors, 408, 429 and 5xx; nothing here ever holds up a decision or an approval.
 * Notifications carry who, what tool and why, never the payload.
 */
import { createHmac } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../observability/logger.ts';
import type { Approval } from './approval.ts';
import type { ApprovalOutcome } from './approval-metrics.ts';
import type { ApprovalNotifier } from './approval-service.ts';

/** Results of one delivery attempt: the only values the `result` label takes. */
export const WEBHOOK_RESULTS = ['delivered', 'retried', 'dropped'] as const;

/** Settings of the webhook. */
export interface WebhookOptions {
  url: string;
  /** The HMAC key (the secret file's content, trimmed). */
  secret: string;
  /** Turns an approval into its console link. */
  link: (approval: Approval) => string;
  registry: Registry;
  logger: Logger;
  /** Deliveries waiting at most; past it new ones are dropped (default 1000). */
  maxQueue?: number;
  /** Attempts per delivery (default 8); first retry after `retryBaseMs` (default 500), doubling to 60 s. */
  maxAttempts?: number;
  retryBaseMs?: number;
  now?: () => number;
}

/** The signature header value for `body` signed at `unixSeconds`. */
export function signWebhook(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

const VERBS: Record<ApprovalOutcome, string> = {
  requested: 'asks for approval',
  approved: 'was approved',
  rejected: 'was rejected',
  expired: 'expired without an answer',
  used: 'was used',
};

/** The JSON a step is announced with. */
export function webhookBody(step: ApprovalOutcome, a: Approval, link: string): Record<string, unknown> {
  const who = a.on_behalf_of === null ? a.agent : `${a.agent} (for ${a.on_behalf_of})`;
  const by = a.decided_by === null || step === 'requested' || step === 'expired' ? '' : ` by ${a.decided_by.id}`;
  const why =
    step === 'requested'
      ? `: ${a.reasons.map((r) => r.message).join(' ')}`
      : a.decision_reason === null
        ? ''
        : `: ${a.decision_reason}`;
  return {
    text: `regent: ${who} ${a.kind} with ${a.tool} ${VERBS[step]}${by}${why} <${link}>`,
    event: `approval.${step}`,
    approval: {
      id: a.id,
      state: a.state,
      agent: a.agent,
      on_behalf_of: a.on_behalf_of,
      session_id: a.session_id,
      tool: a.tool,
      kind: a.kind,
      reasons: a.reasons.map((r) => ({ code: r.code, message: r.message })),
      created_at: a.created_at,
      expires_at: a.expires_at,
      decided_by: a.decided_by?.id ?? null,
      decision_reason: a.decision_reason,
      url: link,
    },
  };
}

/** Queued, signed, retried webhook deliveries. */
export class WebhookNotifier implements ApprovalNotifier {
  readonly #o: WebhookOptions;
  readonly #queue: { body: string; attempts: number }[] = [];
  readonly #results: Counter<'result'>;
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: WebhookOptions) {
    this.#o = options;
    this.#results = new Counter({
      name: 'regent_approval_notifications_total',
      help: 'Approval webhook delivery attempts, by result (delivered, retried, dropped).',
      labelNames: ['result'],
      registers: [options.registry],
    });
    for (const r of WEBHOOK_RESULTS) this.#results.labels(r).inc(0);
  }

  notify(step: ApprovalOutcome, approval: Approval): void {
    if (this.#closed) return;
    if (this.#queue.length >= (this.#o.maxQueue ?? 1000)) {
      this.#results.labels('dropped').inc();
      return;
    }
    this.#queue.push({ body: JSON.stringify(webhookBody(step, approval, this.#o.link(approval))), attempts: 0 });
    this.#kick(0);
  }

  /** Tries what is queued for up to `ms`, then drops the rest (shutdown). */
  async close(ms = 2000): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const deadline = Date.now() + ms;
    while (this.#queue.length > 0 && Date.now() < deadline) {
      await (this.#running ?? this.#drain(true));
    }
    if (this.#queue.length > 0) this.#results.labels('dropped').inc(this.#queue.length);
    this.#queue.length = 0;
  }

  #kick(delayMs: number): void {
    if (this.#running !== undefined || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#drain(false).finally(() => (this.#running = undefined));
    }, delayMs);
    this.#timer.unref();
  }

  async #drain(once: boolean): Promise<void> {
    while (this.#queue.length > 0) {
      const item = this.#queue[0] as { body: string; attempts: number };
      const outcome = await this.#send(item.body);
      if (outcome === 'retry' && item.attempts + 1 < (this.#o.maxAttempts ?? 8) && !this.#closed) {
        item.attempts++;
        this.#results.labels('retried').inc();
        const delay = Math.min((this.#o.retryBaseMs ?? 500) * 2 ** (item.attempts - 1), 60_000);
        if (!once) this.#kickAfterRunning(delay);
        return;
      }
      this.#queue.shift();
      this.#results.labels(outcome === 'ok' ? 'delivered' : 'dropped').inc();
    }
  }

  #kickAfterRunning(delay: number): void {
    setImmediate(() => this.#kick(delay));
  }

  async #send(body: string): Promise<'ok' | 'retry' | 'drop'> {
    const t = Math.floor((this.#o.now ?? Date.now)() / 1000);
    try {
      const res = await fetch(this.#o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'regent-signature': signWebhook(this.#o.secret, t, body) },
        body,
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'ok';
      if (res.status === 408 || res.status === 429 || res.status >= 500) return 'retry';
      this.#o.logger.warn('approval webhook refused a notification; dropped', { status: res.status });
      return 'drop';
    } catch (err) {
      this.#o.logger.warn('approval webhook unreachable; will retry', {
        error: err instanceof Error ? err.message : String(err),
      });
      return 'retry';
    }
  }
}
