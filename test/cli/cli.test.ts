/**
 * `regent`, the command line, spawned as a real process (src/cli/main.ts, what package.json's
 * `bin` names): every command answers --help, refuses unknown flags and stray arguments with
 * exit 2, and `check` and `eval` do what the README says on the shipped policies.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/main.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { regoBundle } from '../support/bundles.ts';

const CLI = path.join(REPO_ROOT, 'src/cli/main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `regent ...args` with `env` added to a clean environment (no REGENT_* of the caller). */
function regent(args: string[], options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {}) {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('REGENT_')),
  );
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** The README's step 2: a session that read restricted HR data posts to an all-employees channel. */
const STEP_2 = {
  agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice', groups: ['hr'], clearance: 'restricted' } },
  action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
  data_flow: { destination: { system: 'slack', audience: 'individual' } },
  payload: { text: 'Compensation summary for the HR team' },
  session: { id: 'sess-7f3a' },
};

let dir: string;
let bundle: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'regent-cli-'));
  bundle = (await regoBundle()).file;
});
after(() => rm(dir, { recursive: true, force: true }));

describe('regent (the command line)', () => {
  it('lists every command on --help, and exits 2 with the list when given none', async () => {
    const help = await regent(['--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const c of COMMANDS) assert.ok(help.stdout.includes(`  ${c.path.join(' ')} `), c.path.join(' '));
    const none = await regent([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^usage: regent <command>/);
  });

  it('refuses an unknown command or subcommand with exit 2', async () => {
    const cases = [
      { note: 'unknown command', args: ['deploy'], message: /unknown command 'deploy'/ },
      { note: 'unknown subcommand', args: ['audit', 'rewrite'], message: /regent audit: unknown command 'rewrite'/ },
      { note: 'group without subcommand', args: ['bundle'], message: /usage: regent bundle <build\|sign>/ },
    ];
    for (const c of cases) {
      const r = await regent(c.args);
      assert.equal(r.code, 2, c.note);
      assert.match(r.stderr, c.message, c.note);
    }
  });

  for (const command of COMMANDS) {
    const name = command.path.join(' ');
    describe(`regent ${name}`, () => {
      it('prints its usage, flags and exit codes on --help (exit 0)', async () => {
        const r = await regent([...command.path, '--help']);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.startsWith(`usage: regent ${name}`), r.stdout);
        assert.match(r.stdout, /^Exit: 0 /m);
      });

      it('refuses an unknown flag and a stray argument (exit 2, naming them)', async () => {
        const flag = await regent([...command.path, '--no-such-flag']);
        assert.equal(flag.code, 2, flag.stdout + flag.stderr);
        assert.match(flag.stderr, /Unknown option '--no-such-flag'/);
        assert.match(flag.stderr, new RegExp(`See 'regent ${name} --help'`));
        const stray = await regent([...command.path, 'stray']);
        assert.equal(stray.code, 2, stray.stdout + stray.stderr);
        assert.match(stray.stderr, /stray/);
      });
    });
  }

  it('runs the same serve command as node src/main.ts, which now refuses unknown flags', async () => {
    const r = await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'src/main.ts'), '--port', '9'], { cwd: REPO_ROOT });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout: '', stderr }));
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /regent serve: Unknown option '--port'/);
  });

  it('serve exits 1 with one log line, not a stack trace, when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const dir = await mkdtemp(path.join(tmpdir(), 'regent-cli-port-'));
    try {
      const port = String((taken.address() as AddressInfo).port);
      const r = await regent(['serve'], {
        env: {
          REGENT_PORT: port,
          REGENT_AUDIT_PATH: path.join(dir, 'trail.jsonl'),
          REGENT_APPROVALS_PATH: path.join(dir, 'approvals.jsonl'),
        },
      });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /"message":"regent could not listen"/);
      assert.match(r.stdout, /"error":"EADDRINUSE"/);
      assert.doesNotMatch(r.stderr, /Unhandled 'error' event/);
    } finally {
      taken.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serve exits 2 on invalid configuration before starting anything', async () => {
    const r = await regent(['serve'], { env: { REGENT_PORT: 'eighty', REGENT_NO_SUCH_KEY: '1' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /REGENT_PORT/);
    assert.match(r.stderr, /REGENT_NO_SUCH_KEY: unknown setting/);
  });
});

describe('regent check', () => {
  it('passes the shipped configuration, policies and catalogue', async () => {
    const r = await regent(['check']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^configuration: ok/m);
    assert.match(r.stdout, /^policies: ok \(rego\/\)/m);
    assert.match(r.stdout, /^catalogue: ok \(revision [0-9a-f]+\)/m);
  });

  it('reports every bad setting of the environment and of a --config file at once (exit 1)', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ port: 'x', evalWorkerz: 2 }));
    const r = await regent(['check', '--bundle', bundle, '--config', file], { env: { REGENT_MAX_BATCH: '-1' } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^configuration: 3 problem\(s\)/m);
    assert.match(r.stdout, /port/);
    assert.match(r.stdout, /unknown key "evalWorkerz"/);
    assert.match(r.stdout, /REGENT_MAX_BATCH/);
    assert.match(r.stdout, /^catalogue: ok/m);
  });

  it('warns, with authentication on, of agents any caller with decide may name', async () => {
    const tokens = path.join(dir, 'tokens.json');
    await writeFile(tokens, JSON.stringify({ tokens: [{ id: 'gw', sha256: 'a'.repeat(64), scopes: ['decide'] }] }));
    const on = await regent(['check', '--bundle', bundle], { env: { REGENT_TOKENS_FILE: tokens } });
    assert.equal(on.code, 0, on.stdout + on.stderr);
    assert.match(on.stdout, /^catalogue: ok/m);
    assert.match(
      on.stdout,
      /^ {2}! warning: agents eng-assistant, hr-assistant, sales-assistant name no callers in the registry/m,
    );
    const off = await regent(['check', '--bundle', bundle]);
    assert.doesNotMatch(off.stdout, /name no callers/, 'without authentication there is no caller to bind');
  });

  it('warns, without failing, of approvals and a directory left in files beside shared Redis', async () => {
    const r = await regent(['check', '--bundle', bundle], { env: { REGENT_REDIS_URL: 'redis://127.0.0.1:6379' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^configuration: ok/m);
    assert.match(r.stdout, /^ {2}! warning: approval requests are in a file/m);
    assert.match(r.stdout, /^ {2}! warning: the SCIM principal directory is a file/m);
  });

  it('names file, row and column of a policy that calls a builtin regent cannot run (exit 1)', async () => {
    const rego = path.join(dir, 'bad-policy', 'regent');
    await import('node:fs/promises').then((fs) => fs.mkdir(rego, { recursive: true }));
    await writeFile(
      path.join(rego, 'x.rego'),
      'package regent\n\nx := http.send({"method": "GET", "url": "http://example.com"})\n',
    );
    const r = await regent(['check', '--no-config', '--policy-dir', path.dirname(rego)]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^policies: 1 problem\(s\)/m);
    assert.match(r.stdout, /x\.rego:3:\d+: rego_type_error: undefined function http\.send/);
    assert.match(r.stdout, /^catalogue: ok \(not checked: the policies do not compile\)/m);
  });
});

describe('regent eval', () => {
  it('decides the README step 2 offline and shows the resolved input the policy saw', async () => {
    const request = path.join(dir, 'step2.json');
    const session = path.join(dir, 'session.json');
    await writeFile(request, JSON.stringify(STEP_2));
    await writeFile(session, JSON.stringify({ labels: ['compensation', 'pii'], systems: ['workday'], steps: 1 }));
    const r = await regent(['eval', '--bundle', bundle, '--request', request, '--session', session]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      input: {
        session: { id: string; labels: string[] };
        data_flow: { destination: { audience: string } };
        trust: { destination: { audience_source: string; declared_audience: string } };
        activity: { agent: { actions: number } };
      };
      decision: { decision: string; reasons: { code: string }[] };
      session_update: unknown;
    };
    assert.equal(out.decision.decision, 'deny');
    assert.deepEqual(
      out.decision.reasons.map((x) => x.code),
      ['flow.audience_not_cleared'],
    );
    assert.deepEqual(out.input.session.labels, ['compensation', 'pii']);
    assert.equal(out.input.session.id, 'sess-7f3a');
    // The trust rule: the directory's audience for #general, not the declared one.
    assert.equal(out.input.data_flow.destination.audience, 'all_employees');
    assert.equal(out.input.trust.destination.declared_audience, 'individual');
    assert.equal(out.input.activity.agent.actions, 0);
    assert.equal(out.session_update, null, 'a deny changes no session');
  });

  it('reads the request from stdin, takes activity as given, and shows the session update of an allow', async () => {
    const activity = path.join(dir, 'activity.json');
    const counters = { actions: 7, denials: 0, faults: 0, restricted_reads: 0, distinct_systems: 1, bytes_out: 0 };
    await writeFile(activity, JSON.stringify({ agent: { window_seconds: 300, ...counters } }));
    const read = {
      agent: { id: 'hr-assistant' },
      action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
      session: { id: 's-1' },
    };
    const r = await regent(['eval', '--bundle', bundle, '--request', '-', '--activity', activity], {
      stdin: JSON.stringify(read),
    });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      input: { activity: { agent: { actions: number } }; action: { resource: { labels: string[] } } };
      decision: { decision: string };
      session_update: { add_labels: string[]; add_systems: string[] };
    };
    assert.equal(out.decision.decision, 'allow');
    assert.equal(out.input.activity.agent.actions, 7);
    // The catalogue says what workday.read_employee returns, though the request declares nothing.
    assert.deepEqual(out.input.action.resource.labels, ['compensation', 'pii']);
    assert.deepEqual(out.session_update.add_labels, ['compensation', 'pii']);
    assert.deepEqual(out.session_update.add_systems, ['workday']);
  });

  it('decides an agent bound to its callers only with --caller naming one of them', async () => {
    const rego = path.join(dir, 'bound-rego');
    await cp(path.join(REPO_ROOT, 'rego'), rego, { recursive: true });
    const file = path.join(rego, 'regent/config/data.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as { agents: Record<string, Record<string, unknown>> };
    (config.agents['hr-assistant'] as Record<string, unknown>)['callers'] = ['gw-hr'];
    await writeFile(file, JSON.stringify(config));
    const read = JSON.stringify({
      agent: { id: 'hr-assistant' },
      action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'handbook.pdf' } },
    });
    const answer = async (extra: string[]) => {
      const r = await regent(['eval', '--policy-dir', rego, '--request', '-', ...extra], { stdin: read });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { decision: { decision: string; reasons: { code: string }[] } };
      return [out.decision.decision, out.decision.reasons.map((x) => x.code)];
    };
    assert.deepEqual(await answer([]), ['deny', ['agent.caller_not_bound']]);
    assert.deepEqual(await answer(['--caller', 'gw-sales']), ['deny', ['agent.caller_not_bound']]);
    assert.deepEqual(await answer(['--caller', 'gw-hr']), ['allow', []]);
  });

  it('refuses a request the server would refuse, naming the field (exit 1)', async () => {
    const r = await regent(['eval', '--bundle', bundle, '--request', '-'], {
      stdin: JSON.stringify({ agent: { id: 'a' }, action: { tool: 't', kind: 'fly' } }),
    });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /regent eval: --request: decision request is invalid: \/action\/kind must be one of/);
  });
});
