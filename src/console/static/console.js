// regent's operator console. Plain DOM, no framework: every value from the API is put on the page
// with textContent (never innerHTML), so nothing in a decision, reason or payload can run as code.
// The token lives in sessionStorage (this tab only) and goes in the Authorization header; no
// cookies, so a page on another site cannot make the browser act for the operator (no CSRF).

const KEY = 'regent.console.token';
const view = document.getElementById('view');
const state = { live: null, since: null, seen: new Set() };

/** Builds an element: el('a', {href: '#/x'}, 'text', child...). Attributes never take markup. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return node;
}

function token() {
  return sessionStorage.getItem(KEY);
}

/** Calls regent's API; throws {status, code, message} on an error answer. */
async function api(path, options = {}) {
  const headers = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'omit',
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw { status: res.status, code: body.code ?? 'error', message: body.message ?? res.statusText };
  return body;
}

function problem(err) {
  if (err && err.status === 401) {
    showLogin('Your token is not valid (or has been revoked). Sign in again.');
    return el('p', { class: 'error' }, 'Not signed in.');
  }
  if (err && err.status === 403)
    return el('p', { class: 'error', role: 'alert' }, `This token may not see this: ${err.message}`);
  return el('p', { class: 'error', role: 'alert' }, `${err?.code ?? 'error'}: ${err?.message ?? String(err)}`);
}

function showLogin(message = '') {
  stopLive();
  document.getElementById('nav').hidden = true;
  document.getElementById('login').hidden = false;
  view.replaceChildren();
  document.getElementById('login-error').textContent = message;
  document.getElementById('token').focus();
}

function showApp() {
  document.getElementById('login').hidden = true;
  document.getElementById('nav').hidden = false;
}

function stopLive() {
  if (state.live !== null) state.live.abort();
  state.live = null;
}

/**
 * Reads the decision stream with fetch, not EventSource: EventSource cannot send the
 * Authorization header, and the token must never go in a URL or a cookie. Reconnects after a
 * break, resuming after the last seq it saw.
 */
async function streamDecisions(filters, afterSeq, onRecord) {
  const ctrl = new AbortController();
  state.live = ctrl;
  let after = afterSeq;
  const live = document.getElementById('live');
  while (!ctrl.signal.aborted) {
    try {
      const q = new URLSearchParams(filters);
      q.set('after', String(after));
      const headers = { accept: 'text/event-stream' };
      if (token()) headers.authorization = `Bearer ${token()}`;
      const res = await fetch(`/v1/audit/stream?${q}`, { headers, credentials: 'omit', signal: ctrl.signal });
      if (res.status === 401) return showLogin('Your token is not valid (or has been revoked). Sign in again.');
      if (!res.ok) throw new Error(`stream answered ${res.status}`);
      if (live) live.textContent = 'Live: new decisions appear as they are recorded.';
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let id = null;
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (event === 'decision' && data !== '') {
            if (id !== null) after = Number(id);
            onRecord(JSON.parse(data));
          }
        }
      }
    } catch {
      if (ctrl.signal.aborted) return;
    }
    if (live) live.textContent = 'Live stream interrupted; reconnecting.';
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function table(headers, rows) {
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headers.map((h) => el('th', { scope: 'col' }, h)),
      ),
    ),
    el('tbody', {}, rows),
  );
}

function pill(decision) {
  return el('span', { class: `pill ${decision}` }, decision);
}

function dl(pairs) {
  return el(
    'dl',
    {},
    pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
  );
}

function json(value) {
  return el('pre', { class: 'json' }, JSON.stringify(value, null, 2));
}

function formValues(form) {
  return Object.fromEntries([...new FormData(form).entries()].filter(([, v]) => v !== ''));
}

// --- decisions ---------------------------------------------------------------------------------

function decisionRow(r) {
  return el(
    'tr',
    { 'data-decision-id': r.decision_id },
    el('td', {}, el('time', { datetime: r.time }, r.time.replace('T', ' ').slice(0, 19))),
    el('td', {}, r.agent.id),
    el(
      'td',
      {},
      r.session === null ? '' : el('a', { href: `#/sessions/${encodeURIComponent(r.session.id)}` }, r.session.id),
    ),
    el('td', {}, r.tool),
    el('td', {}, pill(r.decision)),
    el('td', {}, r.reason_codes.join(', ')),
    el('td', {}, el('a', { href: `#/decisions/${encodeURIComponent(r.decision_id)}`, class: 'detail' }, 'Detail')),
  );
}

const recent = [];

async function decisions(params) {
  stopLive();
  const form = el(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        location.hash = `#/decisions?${new URLSearchParams(formValues(e.target))}`;
      },
    },
    el('label', {}, 'Agent ', el('input', { name: 'agent', value: params.get('agent') ?? '' })),
    el('label', {}, 'Session ', el('input', { name: 'session', value: params.get('session') ?? '' })),
    el(
      'label',
      {},
      'Decision ',
      el(
        'select',
        { name: 'decision' },
        ['', 'allow', 'deny', 'redact', 'escalate'].map((d) =>
          el('option', { value: d, selected: params.get('decision') === d }, d === '' ? 'any' : d),
        ),
      ),
    ),
    el(
      'label',
      {},
      'Reason ',
      el('input', { name: 'reason', value: params.get('reason') ?? '', placeholder: 'code prefix' }),
    ),
    el('button', { type: 'submit' }, 'Filter'),
  );
  const body = el('tbody', {});
  view.replaceChildren(
    el('h2', {}, 'Decisions'),
    form,
    el('p', { class: 'hint', id: 'live', role: 'status' }, 'Newest first.'),
    el(
      'table',
      { id: 'decisions' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Time', 'Agent', 'Session', 'Tool', 'Decision', 'Reasons', ''].map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      body,
    ),
  );
  const session = params.get('session');
  const reason = params.get('reason');
  const keep = (r) =>
    r.type === 'decision' &&
    (!params.get('decision') || r.decision === params.get('decision')) &&
    (!params.get('agent') || r.agent.id === params.get('agent')) &&
    (!reason || r.reason_codes.some((c) => c.startsWith(reason)));
  const render = (records) => body.replaceChildren(...records.filter(keep).slice(-200).reverse().map(decisionRow));
  try {
    if (session) {
      const steps = await api(`/v1/sessions/${encodeURIComponent(session)}/steps`);
      render(steps.steps.map((s) => ({ ...s, type: 'decision', session: { id: session, step: s.step } })));
      return;
    }
    recent.length = 0;
    state.seen.clear();
    const q = new URLSearchParams({
      type: 'decision',
      since: new Date(Date.now() - 24 * 3600e3).toISOString(),
      limit: '1000',
    });
    if (params.get('agent')) q.set('agent', params.get('agent'));
    if (params.get('decision')) q.set('decision', params.get('decision'));
    for (let page = 0, cursor = null; page < 5; page++) {
      if (cursor) q.set('cursor', cursor);
      const res = await api(`/v1/audit?${q}`);
      add(res.records);
      cursor = res.next_cursor;
      if (!cursor) break;
    }
    render(recent);
    // Live: the server pushes each decision as it is recorded (GET /v1/audit/stream), after the
    // newest record already shown, filtered the same way.
    const live = new URLSearchParams();
    for (const k of ['agent', 'decision', 'reason']) if (params.get(k)) live.set(k, params.get(k));
    const last = recent.reduce((m, r) => Math.max(m, r.seq), 0);
    streamDecisions(live, last, (r) => {
      if (add([r])) render(recent);
    });
  } catch (err) {
    view.append(problem(err));
  }
}

function add(records) {
  let added = false;
  for (const r of records) {
    if (state.seen.has(r.seq)) continue;
    state.seen.add(r.seq);
    recent.push(r);
    added = true;
  }
  if (recent.length > 2000) recent.splice(0, recent.length - 2000);
  return added;
}

async function decisionDetail(id) {
  stopLive();
  let r = recent.find((x) => x.decision_id === id);
  view.replaceChildren(el('h2', {}, 'Decision'), el('p', {}, el('a', { href: '#/decisions' }, 'Back to decisions')));
  if (r === undefined) {
    view.append(
      el('p', { class: 'error' }, 'This decision is not among the recent ones loaded; open it from the list.'),
    );
    return;
  }
  view.append(
    dl([
      ['Decision id', r.decision_id],
      ['Time', r.time],
      ['Decision', pill(r.decision)],
      ['Agent', r.agent.id],
      ['On behalf of', r.agent.on_behalf_of ?? '-'],
      [
        'Session',
        r.session === null
          ? '-'
          : el(
              'a',
              { href: `#/sessions/${encodeURIComponent(r.session.id)}` },
              `${r.session.id} (step ${r.session.step})`,
            ),
      ],
      ['Tool', `${r.tool} (${r.kind})`],
      [
        'Reasons',
        r.reason_codes.length === 0
          ? '-'
          : el(
              'ul',
              {},
              r.reason_codes.map((c) => el('li', {}, c)),
            ),
      ],
      [
        'Redacted paths',
        r.redacted_paths.length === 0
          ? '-'
          : el(
              'ul',
              {},
              r.redacted_paths.map((p) => el('li', {}, p)),
            ),
      ],
      ['Detections', r.detections.join(', ') || '-'],
      ['Policy revision', r.policy_revision ?? '-'],
      ['Input digest', r.input_digest],
      ['Latency', `${r.latency_us} µs`],
    ]),
    el('h3', {}, 'Data flow'),
    json(r.data_flow),
  );
}

// --- sessions ----------------------------------------------------------------------------------

async function sessions(id) {
  stopLive();
  const form = el(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        location.hash = `#/sessions/${encodeURIComponent(formValues(e.target).session ?? '')}`;
      },
    },
    el('label', {}, 'Session id ', el('input', { name: 'session', value: id ?? '', required: true })),
    el('button', { type: 'submit' }, 'Show'),
  );
  view.replaceChildren(el('h2', {}, 'Session timeline'), form);
  if (!id) return;
  try {
    const [steps, held] = await Promise.all([
      api(`/v1/sessions/${encodeURIComponent(id)}/steps`),
      api(`/v1/sessions/${encodeURIComponent(id)}`).catch(() => null),
    ]);
    if (held !== null)
      view.append(
        el('h3', {}, 'What the session holds now'),
        dl([
          ['Labels', held.session.labels?.join(', ') || '-'],
          ['Systems', held.session.systems?.join(', ') || '-'],
          ['Classification', held.session.classification ?? '-'],
        ]),
      );
    view.append(
      el('h3', {}, 'Steps'),
      table(
        ['Step', 'Time', 'Tool', 'Decision', 'Reasons', 'Redacted', 'Detections'],
        steps.steps.map((s) =>
          el(
            'tr',
            {},
            el('td', {}, s.step),
            el('td', {}, s.time),
            el('td', {}, `${s.tool} (${s.kind})`),
            el('td', {}, pill(s.decision)),
            el('td', {}, s.reason_codes.join(', ')),
            el('td', {}, s.redacted_paths.join(', ')),
            el('td', {}, s.detections.join(', ')),
          ),
        ),
      ),
    );
  } catch (err) {
    view.append(problem(err));
  }
}

// --- approvals ---------------------------------------------------------------------------------

async function approvals(params) {
  stopLive();
  const st = params.get('state') ?? 'pending';
  const form = el(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        location.hash = `#/approvals?${new URLSearchParams(formValues(e.target))}`;
      },
    },
    el(
      'label',
      {},
      'State ',
      el(
        'select',
        { name: 'state' },
        ['pending', 'approved', 'rejected', 'expired', 'used', ''].map((s) =>
          el('option', { value: s, selected: st === s }, s === '' ? 'any' : s),
        ),
      ),
    ),
    el('label', {}, 'Agent ', el('input', { name: 'agent', value: params.get('agent') ?? '' })),
    el('button', { type: 'submit' }, 'Filter'),
  );
  view.replaceChildren(el('h2', {}, 'Approvals'), form);
  const q = new URLSearchParams({ limit: '100' });
  if (st) q.set('state', st);
  if (params.get('agent')) q.set('agent', params.get('agent'));
  try {
    const page = await api(`/v1/approvals?${q}`);
    view.append(
      page.approvals.length === 0
        ? el('p', {}, 'Nothing here.')
        : table(
            ['Requested', 'Agent', 'For', 'Tool', 'Why', 'State', 'Expires', ''],
            page.approvals.map((a) =>
              el(
                'tr',
                { 'data-approval-id': a.id },
                el('td', {}, a.created_at),
                el('td', {}, a.agent),
                el('td', {}, a.on_behalf_of ?? '-'),
                el('td', {}, `${a.tool} (${a.kind})`),
                el('td', {}, a.reasons.map((r) => r.message).join(' ')),
                el('td', {}, pill(a.state)),
                el('td', {}, a.expires_at),
                el('td', {}, el('a', { href: `#/approvals/${a.id}`, class: 'detail' }, 'Review')),
              ),
            ),
          ),
    );
  } catch (err) {
    view.append(problem(err));
  }
}

async function approvalDetail(id) {
  stopLive();
  view.replaceChildren(
    el('h2', {}, 'Approval request'),
    el('p', {}, el('a', { href: '#/approvals' }, 'Back to approvals')),
  );
  let a;
  try {
    a = (await api(`/v1/approvals/${encodeURIComponent(id)}`)).approval;
  } catch (err) {
    view.append(problem(err));
    return;
  }
  view.append(
    dl([
      ['State', pill(a.state)],
      ['Agent', a.agent],
      ['On behalf of', a.on_behalf_of ?? '-'],
      ['Session', a.session_id ?? '-'],
      ['Tool', `${a.tool} (${a.kind})`],
      [
        'Why it needs approval',
        el(
          'ul',
          {},
          a.reasons.map((r) => el('li', {}, `${r.message} (${r.code})`)),
        ),
      ],
      ['Requested', `${a.created_at}${a.requested_by ? ` by ${a.requested_by.id}` : ''}`],
      ['Expires', a.expires_at],
      [
        'Decided',
        a.decided_by
          ? `${a.decision_reason ? `${a.state} by ${a.decided_by.id}: ${a.decision_reason}` : `${a.state} by ${a.decided_by.id}`}`
          : '-',
      ],
      ['Digest', a.digest],
    ]),
    el('h3', {}, 'Exactly what would run'),
    json(a.action),
  );
  if (a.state !== 'pending') return;
  const out = el('p', { role: 'status' });
  const act = async (verb, form) => {
    const reason = form.elements.reason.value.trim();
    if (verb === 'reject' && reason === '') {
      out.textContent = 'A rejection needs a reason: the agent reads it.';
      return;
    }
    try {
      const res = await api(`/v1/approvals/${encodeURIComponent(id)}/${verb}`, {
        method: 'POST',
        body: reason === '' ? {} : { reason },
      });
      out.textContent = `Done: ${res.approval.state}.`;
      await approvalDetail(id);
    } catch (err) {
      out.replaceChildren(problem(err));
    }
  };
  const form = el(
    'form',
    { id: 'decide', onsubmit: (e) => e.preventDefault() },
    el('label', { for: 'reason' }, 'Reason (required to reject; the agent reads it)'),
    el('textarea', { id: 'reason', name: 'reason', maxlength: '1024', rows: '3' }),
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'button', id: 'approve', onclick: () => act('approve', form) }, 'Approve'),
      el('button', { type: 'button', id: 'reject', class: 'danger', onclick: () => act('reject', form) }, 'Reject'),
    ),
    out,
  );
  view.append(el('h3', {}, 'Decide'), form);
}

// --- playground --------------------------------------------------------------------------------

const EXAMPLE_REQUEST = {
  agent: { id: 'hr-assistant' },
  action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
  data_flow: {
    sources: [{ system: 'workday', labels: ['pii'], classification: 'internal' }],
    destination: { system: 'slack', audience: 'all_employees' },
  },
  session: { id: 'playground' },
  payload: { text: 'hello' },
};

function verdict(title, run) {
  if (run === null) return el('section', {}, el('h3', {}, title), el('p', {}, 'No shadow candidate is loaded.'));
  const r = run.result;
  return el(
    'section',
    { class: 'verdict' },
    el('h3', {}, title, run.revision ? ` (${run.revision})` : ''),
    r === undefined
      ? el('p', { class: 'error' }, `Fails closed (deny): ${run.error}`)
      : el(
          'div',
          {},
          el('p', {}, pill(r.decision)),
          el(
            'ul',
            {},
            r.reasons.map((x) => el('li', {}, `${x.code}: ${x.message}`)),
          ),
          r.redactions?.length ? json(r.redactions) : '',
        ),
  );
}

async function playground() {
  stopLive();
  const area = (id, label, value, rows) => [
    el('label', { for: id }, label),
    el('textarea', { id, name: id, rows: String(rows), spellcheck: 'false' }, value),
  ];
  const out = el('div', { id: 'playground-result', role: 'status' });
  const form = el(
    'form',
    {
      id: 'playground',
      onsubmit: async (e) => {
        e.preventDefault();
        const f = e.target.elements;
        let body;
        try {
          body = { request: JSON.parse(f['pg-request'].value) };
          if (f['pg-session'].value.trim() !== '') body.session = JSON.parse(f['pg-session'].value);
          if (f['pg-activity'].value.trim() !== '') body.activity = JSON.parse(f['pg-activity'].value);
        } catch (err) {
          out.replaceChildren(el('p', { class: 'error', role: 'alert' }, `Not JSON: ${err.message}`));
          return;
        }
        try {
          const res = await api('/v1/playground/decisions', { method: 'POST', body });
          out.replaceChildren(
            el('p', { class: 'dry-run' }, 'Dry run: nothing was recorded, committed, counted or sent for approval.'),
            verdict('Active revision', { revision: res.revision, ...res.active }),
            verdict('Shadow candidate', res.shadow),
            el('h3', {}, 'The exact input the policy saw'),
            json(res.input),
            el('h3', {}, 'What a dry run does not reproduce'),
            el(
              'ul',
              {},
              res.differences.map((d) => el('li', {}, d)),
            ),
          );
        } catch (err) {
          out.replaceChildren(problem(err));
        }
      },
    },
    ...area(
      'pg-request',
      'Decision request (as POST /v1/decisions takes it)',
      JSON.stringify(EXAMPLE_REQUEST, null, 2),
      14,
    ),
    ...area(
      'pg-session',
      'Session state (labels, systems, classification, steps; empty: no session)',
      '{"labels": [], "systems": [], "classification": null, "steps": 0}',
      3,
    ),
    ...area('pg-activity', 'Activity windows (input.activity; empty: none)', '', 2),
    el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'run' }, 'Run (dry run)')),
  );
  view.replaceChildren(
    el('h2', {}, 'Policy playground'),
    el(
      'p',
      { class: 'hint' },
      'Runs a request against the active revision and the shadow candidate. Nothing is recorded.',
    ),
    form,
    out,
  );
}

// --- status ------------------------------------------------------------------------------------

async function status() {
  stopLive();
  view.replaceChildren(el('h2', {}, 'Status'));
  try {
    const [s, shadow] = await Promise.all([api('/v1/status'), api('/v1/shadow').catch(() => null)]);
    const r = s.result.replicas;
    if (r) {
      const note =
        r.backend === 'local'
          ? 'No Redis is shared, so this instance only.'
          : r.skew
            ? `Revision skew: the ready replicas serve ${r.revisions.join(', ')}.`
            : `Every ready replica serves ${r.revisions.join(', ') || 'nothing yet'}.`;
      view.append(
        el('h3', {}, 'Replicas'),
        el('p', { id: 'replica-note', class: r.skew ? 'deny' : '' }, note),
        r.error ? el('p', { class: 'deny' }, r.error) : el('span'),
        table(
          ['Instance', 'Revision', 'Ready', 'Last seen'],
          r.replicas.map((x) =>
            el(
              'tr',
              {},
              el('td', {}, x.instance),
              el('td', {}, x.revision ?? '-'),
              el('td', {}, x.ready ? 'ready' : 'not ready'),
              el('td', {}, x.last_seen),
            ),
          ),
        ),
      );
    }
    view.append(el('h3', {}, 'Serving'), json(s.result));
    if (shadow !== null) view.append(el('h3', {}, 'Shadow candidate'), json(shadow.result));
  } catch (err) {
    view.append(problem(err));
  }
}

// --- routing -----------------------------------------------------------------------------------

async function route() {
  const [path, query] = (location.hash.slice(1) || '/decisions').split('?');
  const params = new URLSearchParams(query ?? '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('#nav a'))
    a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${parts[0]}`);
  if (parts[0] === 'approvals') return parts[1] ? approvalDetail(parts[1]) : approvals(params);
  if (parts[0] === 'sessions') return sessions(parts[1]);
  if (parts[0] === 'status') return status();
  if (parts[0] === 'playground') return playground();
  if (parts[0] === 'decisions' && parts[1]) return decisionDetail(parts[1]);
  return decisions(params);
}

async function start() {
  // Authentication may be off (loopback use): then the API answers without a token.
  try {
    await api('/v1/approvals?limit=1').catch(async (err) => {
      if (err.status === 401) throw err;
      return api('/v1/audit?limit=1').catch((e) => {
        if (e.status === 401) throw e;
      });
    });
  } catch {
    showLogin(token() ? 'Your token is not valid. Sign in again.' : '');
    return;
  }
  showApp();
  await route();
}

document.getElementById('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, document.getElementById('token').value.trim());
  document.getElementById('token').value = '';
  await start();
});
document.getElementById('logout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  showLogin('Signed out.');
});
window.addEventListener('hashchange', () => {
  if (!document.getElementById('nav').hidden) route();
});
start();
