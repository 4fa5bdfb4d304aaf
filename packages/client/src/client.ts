/**
 * The regent client: `decide`, `decideBatch`, `checkResult`, and for escalated actions
 * `approvalStatus`, `waitForApproval` and `decideAfterApproval`. Every method resolves (never
 * rejects) with a checked answer or, when there is none it can trust, a deny with a `client.*`
 * reason code (or a status that is not approved): fail closed.
 */
import { randomUUID } from 'node:crypto';
import { CLIENT_CODES, clientDeny, readDecision, readResultDecision } from './answers.ts';
import {
  waitForApproval,
  type ApprovalStatusAnswer,
  type ApprovalWait,
  type ApprovalWaitOptions,
} from './approval-wait.ts';
import { makeAgents, sendJson, TransportError, type Agents, type HttpAnswer } from './transport.ts';
import {
  APPROVAL_STATES,
  type ApprovalState,
  type Decision,
  type DecisionRequest,
  type ResultDecision,
  type ResultRequest,
} from './types.ts';

/** How to reach regent and how patient to be. */
export interface RegentClientOptions {
  /** regent's base URL, e.g. `http://127.0.0.1:8181`. */
  url: string;
  /** Bearer token with the `decide` scope (regent's REGENT_TOKENS_FILE), when authentication is on. */
  token?: string;
  /** The principal's token (OIDC ID token or token-exchange token) forwarded for verification. */
  principalToken?: string;
  /** Header that carries the principal token (regent's REGENT_PRINCIPAL_HEADER). Default `regent-principal-token`. */
  principalHeader?: string;
  /** Deadline for one call, retries included, in ms. Default 1000. */
  timeoutMs?: number;
  /** Extra attempts after a failure that provably never reached regent (connection refused, DNS). Default 1. */
  retries?: number;
  /** Sockets kept open to regent. Default 64. */
  maxSockets?: number;
  /** Largest answer read, in bytes. Default 16 MiB. */
  maxAnswerBytes?: number;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call; it then resolves to a deny with `client.aborted`. */
  signal?: AbortSignal;
  /** Sent as `x-request-id` (at most 64 of `A-Za-z0-9._-`); a UUID otherwise. */
  requestId?: string;
  /** Overrides the client's principal token for this call (a gateway serving several users). */
  principalToken?: string;
  /** Overrides the client's deadline for this call. */
  timeoutMs?: number;
}

/** A tool an agent may call at all, as regent's registry grants it. */
export interface AllowedTool {
  tool: string;
  kinds: string[];
  system: string | null;
}

/** A client for one regent endpoint. Create once and share: it keeps connections open. */
export class RegentClient {
  readonly #base: URL;
  readonly #options: Required<Omit<RegentClientOptions, 'token' | 'principalToken' | 'url'>> &
    Pick<RegentClientOptions, 'token' | 'principalToken'>;
  readonly #agents: Agents;

  constructor(options: RegentClientOptions) {
    this.#base = new URL(options.url.endsWith('/') ? options.url : options.url + '/');
    if (this.#base.protocol !== 'http:' && this.#base.protocol !== 'https:')
      throw new TypeError(`regent url must be http or https: ${options.url}`);
    this.#options = {
      principalHeader: (options.principalHeader ?? 'regent-principal-token').toLowerCase(),
      timeoutMs: options.timeoutMs ?? 1000,
      retries: options.retries ?? 1,
      maxSockets: options.maxSockets ?? 64,
      maxAnswerBytes: options.maxAnswerBytes ?? 16 * 1024 * 1024,
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.principalToken === undefined ? {} : { principalToken: options.principalToken }),
    };
    this.#agents = makeAgents(this.#options.maxSockets);
  }

  /** Asks regent whether an action may run (`POST /v1/decisions`). */
  async decide(request: DecisionRequest, options: CallOptions = {}): Promise<Decision> {
    const answer = await this.#exchange('v1/decisions', request, options);
    if ('deny' in answer) return answer.deny;
    const decision =
      answer.status === 200 ? readDecision(answer.body, request.payload !== undefined) : httpDeny(answer);
    return withRequestId(decision, answer.requestId);
  }

  /**
   * Asks for several decisions at once (`POST /v1/decisions/batch`), answered in order on one
   * revision. A failure denies every item with the same `client.*` reason.
   */
  async decideBatch(requests: readonly DecisionRequest[], options: CallOptions = {}): Promise<Decision[]> {
    const answer = await this.#exchange('v1/decisions/batch', { decisions: requests }, options);
    const all = (d: Decision) => requests.map(() => ({ ...d, reasons: [...d.reasons] }));
    if ('deny' in answer) return all(answer.deny);
    if (answer.status !== 200) return all(withRequestId(httpDeny(answer), answer.requestId));
    const results = (answer.body as { results?: unknown } | undefined)?.results;
    if (!Array.isArray(results) || results.length !== requests.length)
      return all(
        withRequestId(
          clientDeny(
            CLIENT_CODES.malformed,
            `regent's answer was malformed: results is not a list of ${requests.length}`,
          ),
          answer.requestId,
        ),
      );
    return results.map((r, i) => withRequestId(readDecision(r, requests[i]?.payload !== undefined), answer.requestId));
  }

  /**
   * The result phase (`POST /v1/results`): what a tool returned, before the agent sees it. On
   * `allow` pass the original output, on `redact` pass `result`, on `deny` pass none.
   */
  async checkResult(request: ResultRequest, options: CallOptions = {}): Promise<ResultDecision> {
    const answer = await this.#exchange('v1/results', request, options);
    if ('deny' in answer) return answer.deny;
    const decision = answer.status === 200 ? readResultDecision(answer.body) : httpDeny(answer);
    return withRequestId(decision, answer.requestId);
  }

  /**
   * Which tools an agent may call at all (`POST /v1/agents/tools`), from regent's registry, with
   * no side effect: nothing is decided, counted or audited. For a gateway's `tools/list`. Null when
   * regent cannot answer (the caller should then show nothing: fail closed).
   */
  async allowedTools(agent: DecisionRequest['agent'], options: CallOptions = {}): Promise<AllowedTool[] | null> {
    const answer = await this.#exchange('v1/agents/tools', { agent }, options);
    if ('deny' in answer || answer.status !== 200) return null;
    const tools = (answer.body as { tools?: unknown } | undefined)?.tools;
    if (!Array.isArray(tools)) return null;
    const out: AllowedTool[] = [];
    for (const t of tools as { tool?: unknown; kinds?: unknown; system?: unknown }[]) {
      if (typeof t.tool !== 'string' || !Array.isArray(t.kinds)) return null;
      out.push({
        tool: t.tool,
        kinds: t.kinds.filter((k): k is string => typeof k === 'string'),
        system: typeof t.system === 'string' ? t.system : null,
      });
    }
    return out;
  }

  /**
   * Where an approval request stands (`GET /v1/decisions/approvals/{id}`, scope `decide`): the
   * state and the approver's reason, never the action. Resolves `{ok: false}` with why when
   * regent cannot say (unreachable, timeout, non-200, malformed).
   */
  async approvalStatus(id: string, options: CallOptions = {}): Promise<ApprovalStatusAnswer> {
    if (!APPROVAL_ID.test(id)) return { ok: false, error: 'the approval id is not a UUID' };
    const answer = await this.#exchange(`v1/decisions/approvals/${id}`, NO_BODY, options);
    if ('deny' in answer) return { ok: false, error: answer.deny.reasons[0]?.message ?? 'regent did not answer' };
    if (answer.status !== 200) return { ok: false, error: httpDeny(answer).reasons[0]?.message ?? 'not 200' };
    const b = answer.body as Record<string, unknown> | undefined;
    if (
      typeof b !== 'object' ||
      b === null ||
      b['id'] !== id ||
      !APPROVAL_STATES.includes(b['state'] as ApprovalState) ||
      typeof b['expires_at'] !== 'string' ||
      !(b['reason'] === undefined || typeof b['reason'] === 'string')
    )
      return { ok: false, error: "regent's approval status was malformed" };
    return {
      ok: true,
      status: {
        id,
        state: b['state'] as ApprovalState,
        expires_at: b['expires_at'],
        ...(typeof b['reason'] === 'string' ? { reason: b['reason'] } : {}),
      },
    };
  }

  /**
   * Waits for a person to decide the approval request of an `escalate` answer, polling
   * {@link approvalStatus} with a growing interval up to `deadlineMs`. It only says where the
   * request stands: ask again with the identical request ({@link decideAfterApproval} does both)
   * and run the tool only on that answer's allow or redact. Any read that fails ends the wait as
   * `unknown`: not approved.
   */
  waitForApproval(
    decision: Decision,
    options: ApprovalWaitOptions & Omit<CallOptions, 'signal'>,
  ): Promise<ApprovalWait> {
    const { deadlineMs, intervalMs, maxIntervalMs, signal, ...call } = options;
    return waitForApproval(
      (id, o) => this.approvalStatus(id, { ...call, ...o }),
      decision,
      {
        deadlineMs,
        ...(intervalMs === undefined ? {} : { intervalMs }),
        ...(maxIntervalMs === undefined ? {} : { maxIntervalMs }),
        ...(signal === undefined ? {} : { signal }),
      },
      call.timeoutMs ?? this.#options.timeoutMs,
    );
  }

  /**
   * What an escalated action gets once a person had up to `deadlineMs` to decide: waits
   * ({@link waitForApproval}), then asks regent again with the identical `request` and returns that
   * answer, the only one that can allow (an approval is used by it, once). A rejection or expiry is
   * regent's deny with its reason; still waiting is regent's `escalate` again. `decision` that is
   * not an escalate is returned as it is; an aborted wait is a deny (`client.aborted`).
   */
  async decideAfterApproval(
    request: DecisionRequest,
    decision: Decision,
    options: ApprovalWaitOptions & Omit<CallOptions, 'signal'>,
  ): Promise<Decision> {
    if (decision.decision !== 'escalate' || options.deadlineMs <= 0) return decision;
    const wait = await this.waitForApproval(decision, options);
    if (wait.ended === 'aborted') {
      const denied = clientDeny(CLIENT_CODES.aborted, 'the caller stopped waiting for the approval');
      return decision.approval === undefined ? denied : { ...denied, approval: decision.approval };
    }
    const { deadlineMs: _d, intervalMs: _i, maxIntervalMs: _m, ...call } = options;
    return this.decide(request, call);
  }

  /** Closes the kept-open connections. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  async #exchange(path: string, body: unknown, options: CallOptions): Promise<HttpAnswer | { deny: Decision }> {
    const requestId =
      options.requestId !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(options.requestId)
        ? options.requestId
        : randomUUID();
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': requestId };
    if (this.#options.token !== undefined) headers['authorization'] = `Bearer ${this.#options.token}`;
    const principal = options.principalToken ?? this.#options.principalToken;
    if (principal !== undefined) headers[this.#options.principalHeader] = principal;
    let text: string | null = null;
    try {
      if (body !== NO_BODY) text = JSON.stringify(body);
    } catch (err) {
      return {
        deny: withRequestId(clientDeny(CLIENT_CODES.malformed, `request is not JSON: ${String(err)}`), requestId),
      };
    }
    // A timer cleared once answered, not AbortSignal.timeout: that one fires (building a
    // DOMException) for every request long after its answer, a cost per call in the gateway's profile.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), options.timeoutMs ?? this.#options.timeoutMs);
    timer.unref();
    const timeout = deadline.signal;
    const url = new URL(path, this.#base);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await sendJson(
            url,
            text,
            headers,
            this.#agents,
            { timeout, caller: options.signal },
            this.#options.maxAnswerBytes,
          );
        } catch (err) {
          const e =
            err instanceof TransportError ? err : new TransportError('unreachable', String(err), false, undefined);
          if (e.kind === 'unreachable' && e.beforeRequest && attempt < this.#options.retries && !timeout.aborted)
            continue;
          const code =
            e.kind === 'timeout'
              ? CLIENT_CODES.timeout
              : e.kind === 'aborted'
                ? CLIENT_CODES.aborted
                : CLIENT_CODES.unreachable;
          const details: Record<string, unknown> = { attempts: attempt + 1 };
          if (e.errno !== undefined) details['errno'] = e.errno;
          return { deny: withRequestId(clientDeny(code, e.message, details), requestId) };
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The body of a GET: none. */
const NO_BODY = Symbol('no body');

/** An approval id as regent makes them (a UUID): nothing else goes into the path. */
const APPROVAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function httpDeny(answer: HttpAnswer): Decision {
  const body = answer.body as { code?: unknown; message?: unknown } | undefined;
  const details: Record<string, unknown> = { status: answer.status };
  if (typeof body?.code === 'string') details['regent_code'] = body.code;
  const said = typeof body?.message === 'string' ? `: ${body.message.slice(0, 300)}` : '';
  return clientDeny(CLIENT_CODES.httpError, `regent answered ${answer.status}${said}`, details);
}

function withRequestId<T extends Decision | ResultDecision>(d: T, requestId: string | undefined): T {
  return requestId === undefined ? d : { ...d, request_id: requestId };
}
