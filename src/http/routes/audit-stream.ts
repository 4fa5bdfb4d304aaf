/**
 * `GET /v1/audit/stream`: decisions as they are recorded, as Server-Sent Events, for the operator
 * console's live view. One tail per app reads what the audit store appended (by seq, the trail's
 * own order) while anyone listens, so every connection sees the trail itself (with the
 * PostgreSQL store, every replica's decisions) and the stream needs no second write path. Each
 * connection has its filters (agent, decision, reason code prefix) and a bounded buffer: a client
 * that does not read is disconnected (it reconnects with `after`), never a cause of unbounded
 * memory. Streams end when regent drains for shutdown.
 */
import { Router, type Response } from 'express';
import { encodeCursor, MAX_PAGE, type AuditReader } from '../../audit/query.ts';
import type { AuditRecord } from '../../audit/record.ts';
import type { DrainState } from '../server/drain-state.ts';
import { strictQuery, type QueryParam } from './admin-params.ts';

/** Events a connection holds while its client is slow; past it the connection is closed. */
export const DEFAULT_STREAM_BUFFER = 256;

const PARAMS = {
  agent: { maxLength: 256, hint: 'an agent id of 1-256 characters' },
  decision: {
    maxLength: 8,
    values: ['allow', 'deny', 'redact', 'escalate'],
    hint: 'one of allow, deny, redact, escalate',
  },
  reason: { maxLength: 128, pattern: /^[A-Za-z0-9_.:-]+$/, hint: 'a reason code or its prefix' },
  after: { maxLength: 16, pattern: /^(0|[1-9]\d*)$/, hint: 'the seq of the last record already seen' },
} as const satisfies Record<string, QueryParam>;

/** A connection's filters. */
export interface StreamFilter {
  agent?: string;
  decision?: string;
  reason?: string;
}

/** True when `record` is a decision the filter keeps. */
export function keeps(record: AuditRecord, f: StreamFilter): boolean {
  if (record.type !== 'decision') return false;
  if (f.agent !== undefined && record.agent.id !== f.agent) return false;
  if (f.decision !== undefined && record.decision !== f.decision) return false;
  const reason = f.reason;
  return reason === undefined || record.reason_codes.some((c) => c.startsWith(reason));
}

/** The part of a response a subscriber writes to (a Node writable). */
export interface EventSink {
  write(chunk: string): boolean;
  end(): void;
  once(event: 'drain', listener: () => void): unknown;
}

/** One listening connection: filters, writes with backpressure, closes when its buffer overflows. */
export class StreamSubscriber {
  readonly #sink: EventSink;
  readonly #filter: StreamFilter;
  readonly #max: number;
  readonly #pending: string[] = [];
  #waiting = false;
  #closed = false;
  /** Highest seq delivered or skipped, so a catch-up and the live tail never repeat a record. */
  lastSeq: number;

  constructor(sink: EventSink, filter: StreamFilter, afterSeq: number, maxBuffered = DEFAULT_STREAM_BUFFER) {
    this.#sink = sink;
    this.#filter = filter;
    this.#max = maxBuffered;
    this.lastSeq = afterSeq;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Offers one record (any type, any order of arrival); returns false once closed. */
  offer(record: AuditRecord): boolean {
    if (this.#closed) return false;
    if (record.seq <= this.lastSeq) return true;
    this.lastSeq = record.seq;
    if (!keeps(record, this.#filter)) return true;
    return this.send(`id: ${record.seq}\nevent: decision\ndata: ${JSON.stringify(record)}\n\n`);
  }

  /** Writes one event (or a comment); buffers while the socket is full; closes past the bound. */
  send(chunk: string): boolean {
    if (this.#closed) return false;
    if (this.#waiting) {
      if (this.#pending.length >= this.#max) {
        // The client is not reading: drop it rather than hold ever more; it resumes with `after`.
        this.close();
        return false;
      }
      this.#pending.push(chunk);
      return true;
    }
    if (!this.#sink.write(chunk)) {
      this.#waiting = true;
      this.#sink.once('drain', () => this.#flush());
    }
    return true;
  }

  /** Ends the response once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.length = 0;
    this.#sink.end();
  }

  #flush(): void {
    this.#waiting = false;
    while (this.#pending.length > 0 && !this.#closed) {
      const chunk = this.#pending.shift() as string;
      if (!this.#sink.write(chunk)) {
        this.#waiting = true;
        this.#sink.once('drain', () => this.#flush());
        return;
      }
    }
  }
}

/** Reads the trail's new records while someone listens and hands them to every subscriber. */
export class AuditTail {
  readonly #reader: () => Promise<AuditReader>;
  readonly #pollMs: number;
  readonly #subs = new Set<StreamSubscriber>();
  #lastSeq: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reading = false;

  constructor(reader: () => Promise<AuditReader>, pollMs = 250) {
    this.#reader = reader;
    this.#pollMs = pollMs;
  }

  /** The seq of the newest record (0 when empty); the tail starts there. */
  async head(): Promise<number> {
    if (this.#lastSeq !== undefined) return this.#lastSeq;
    const reader = await this.#reader();
    const head = (reader as { head?: () => Promise<{ seq: number }> }).head;
    this.#lastSeq = head === undefined ? await this.#scanToEnd(reader, 0) : (await head.call(reader)).seq;
    return this.#lastSeq;
  }

  /** Records after `afterSeq`, up to `max`, oldest first (a new connection's catch-up). */
  async since(afterSeq: number, max = MAX_PAGE): Promise<AuditRecord[]> {
    const page = await (await this.#reader()).search({ cursor: encodeCursor(afterSeq), limit: max });
    return page.records;
  }

  add(sub: StreamSubscriber): void {
    this.#subs.add(sub);
    this.#schedule();
  }

  remove(sub: StreamSubscriber): void {
    this.#subs.delete(sub);
  }

  /** Closes every stream (shutdown). */
  closeAll(): void {
    for (const sub of this.#subs) sub.close();
    this.#subs.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#subs.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll().finally(() => this.#schedule());
    }, this.#pollMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      const reader = await this.#reader();
      let after = await this.head();
      for (;;) {
        const page = await reader.search({ cursor: encodeCursor(after), limit: MAX_PAGE });
        for (const record of page.records) {
          after = Math.max(after, record.seq);
          for (const sub of this.#subs) if (!sub.offer(record)) this.#subs.delete(sub);
        }
        this.#lastSeq = after;
        if (page.next_cursor === null || page.records.length === 0) break;
      }
    } catch {
      // The trail is unavailable for now (503 elsewhere); the streams stay open and retry.
    } finally {
      this.#reading = false;
    }
  }

  async #scanToEnd(reader: AuditReader, after: number): Promise<number> {
    for (;;) {
      const page = await reader.search({ cursor: encodeCursor(after), limit: MAX_PAGE });
      for (const r of page.records) after = Math.max(after, r.seq);
      if (page.next_cursor === null || page.records.length === 0) return after;
    }
  }
}

/** What the stream route needs. */
export interface AuditStreamDeps {
  auditReader: () => Promise<AuditReader>;
  drain?: DrainState | undefined;
  pollMs?: number;
  maxBuffered?: number;
  /** Seconds between keep-alive comments (default 15). */
  keepAliveSeconds?: number;
  /**
   * Seconds one stream stays open (default 300): then it ends and the client reconnects with
   * `after`, authenticating again, so a revoked credential stops streaming within this time.
   */
  maxSeconds?: number;
}

/** Routes for the decision stream. */
export function auditStreamRoutes(deps: AuditStreamDeps): Router {
  const router = Router();
  const tail = new AuditTail(() => deps.auditReader(), deps.pollMs);
  deps.drain?.onBegin(() => tail.closeAll());
  router.get('/v1/audit/stream', async (req, res: Response) => {
    const q = strictQuery(req, PARAMS);
    const filter: StreamFilter = {};
    if (q.agent !== undefined) filter.agent = q.agent;
    if (q.decision !== undefined) filter.decision = q.decision;
    if (q.reason !== undefined) filter.reason = q.reason;
    // Where to start: after the given seq (a reconnect or the page already loaded), else now.
    const head = await tail.head();
    const after = q.after === undefined ? head : Math.min(Number(q.after), head);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    const sub = new StreamSubscriber(res, filter, after, deps.maxBuffered);
    sub.send(`retry: 2000\n: regent decisions after seq ${after}\n\n`);
    if (after < head) for (const r of await tail.since(after)) sub.offer(r);
    tail.add(sub);
    const keepAlive = setInterval(() => sub.send(': keep-alive\n\n'), (deps.keepAliveSeconds ?? 15) * 1000);
    keepAlive.unref();
    const lifetime = setTimeout(() => sub.close(), (deps.maxSeconds ?? 300) * 1000);
    lifetime.unref();
    res.on('close', () => {
      clearTimeout(lifetime);
      clearInterval(keepAlive);
      tail.remove(sub);
      sub.close();
    });
  });
  return router;
}
