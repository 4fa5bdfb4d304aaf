/**
 * `regent eval`: one decision request, offline, through the same decision pipeline the server
 * runs (request schema, trust rule, detectors, input building, policy, redaction, session
 * effects), against a bundle file or a Rego directory, with the session state, activity and
 * resource taint given as JSON files instead of read from stores. Prints the input the policy
 * saw beside the decision: the policy authors' playground.
 */
import { readFile } from 'node:fs/promises';
import { DECISION_REQUEST_SCHEMA, type DecisionRequest } from '../decision/decision-request.ts';
import { DecisionService } from '../decision/decision-service.ts';
import type { ActivityPort, ResourceTaintPort, SessionPort, SessionUpdate, SessionView } from '../decision/ports.ts';
import { createRedactionPort } from '../decision/redaction-port.ts';
import { InvalidParameterError } from '../errors/regent-error.ts';
import { createFlowStores } from '../flow/index.ts';
import { activityPort, sessionPort } from '../flow/decision-ports.ts';
import { classificationRanks } from '../decision/build-input.ts';
import { compileValidator } from '../http/validation.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createBuiltins } from '../policy/builtins/index.ts';
import { PolicyStore } from '../policy/policy-store.ts';
import type { ResourceTaint } from '../catalogue/resolve.ts';
import { EXIT, parseFlags, runCommand, UsageError, type Command } from './command.ts';
import { buildDirectory, readBundleFile } from './policy-source.ts';

const HELP = `usage: regent eval [--policy-dir <dir> | --bundle <file>] --request <file|->
                   [--session <file>] [--activity <file>] [--taint <file>] [--principal-verified]
                   [--caller <id>]

Decides one request offline, as POST /v1/decisions would, and prints JSON:
  {"input": <the policy input, after the trust rule and detectors>,
   "decision": <the answer>, "session_update": <the effects on the session, or null>}

  --policy-dir <dir>     Rego directory, built with the pinned OPA (default rego)
  --bundle <file>        a built bundle instead
  --request <file|->     the decision request (docs/policy-contract.md); - reads stdin
  --session <file>       the session state so far, as input.session: {"labels": [...],
                         "systems": [...], "classification": "...", "steps": n}; the request's
                         session.id names it (eval-session when the request has none).
                         Without it, a request with session.id starts a fresh session.
  --activity <file>      input.activity as the policy sees it: {"agent": {"actions": n,
                         "denials": n, ...}, "session": {...}, "principal": {...}}. Without it,
                         the counters of a first action.
  --taint <file>         what earlier writes left on the resource a read names:
                         {"labels": [...], "classification": "..."}
  --principal-verified   treat agent.on_behalf_of as verified by a token
  --caller <id>          decide as the authenticated caller <id> (a token id or certificate CN),
                         for agents whose registry entry names its callers. Without it the
                         request is unauthenticated, and such agents are denied.

Exit: 0 decided (allow, deny or redact), 1 the request is invalid or the policy does not load,
2 usage error.
`;

/** Reads a JSON file, or stdin for `-`, naming the flag on failure. */
async function readJson(flag: string, file: string): Promise<unknown> {
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`--${flag} ${file}: not JSON: ${(err as Error).message}`, { cause: err });
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function objectFrom(flag: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`--${flag} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** A session port that loads `view` and records the update instead of storing it. */
function givenSession(view: SessionView, updates: SessionUpdate[]): SessionPort {
  return {
    load: () => Promise.resolve({ view, version: 0 }),
    commit: (_id, _version, update) => {
      updates.push(update);
      return Promise.resolve(true);
    },
  };
}

/** An activity port whose counters are `activity`, whatever the action. */
function givenActivity(activity: Record<string, unknown>): ActivityPort {
  return {
    reserve: () => Promise.resolve({ activity }),
    settle: () => Promise.resolve(),
  };
}

/** A taint port that reports `taint` for any resource and keeps nothing. */
function givenTaint(taint: ResourceTaint | undefined): ResourceTaintPort {
  return { get: () => Promise.resolve(taint), add: () => Promise.resolve() };
}

const validateRequest = compileValidator<DecisionRequest>(DECISION_REQUEST_SCHEMA, 'decision request');

/** `regent eval`. */
export const evalCommand: Command = {
  path: ['eval'],
  help: HELP,
  run: (argv) =>
    runCommand(evalCommand, async () => {
      const { values } = parseFlags(argv, {
        'policy-dir': { type: 'string' },
        bundle: { type: 'string' },
        request: { type: 'string' },
        session: { type: 'string' },
        activity: { type: 'string' },
        taint: { type: 'string' },
        'principal-verified': { type: 'boolean', default: false },
        caller: { type: 'string' },
      });
      if (values.request === undefined) throw new UsageError('--request is required');
      if (values['policy-dir'] !== undefined && values.bundle !== undefined)
        throw new UsageError('give --policy-dir or --bundle, not both');

      let request: DecisionRequest;
      try {
        request = validateRequest(await readJson('request', values.request));
      } catch (err) {
        if (!(err instanceof InvalidParameterError)) throw err;
        const details = err.errors;
        throw new Error(`--request: ${err.message}: ${details.map((d) => d.message).join('; ')}`, { cause: err });
      }
      const sessionFile =
        values.session === undefined ? undefined : objectFrom('session', await readJson('session', values.session));
      const activity =
        values.activity === undefined ? undefined : objectFrom('activity', await readJson('activity', values.activity));
      const taint =
        values.taint === undefined
          ? undefined
          : (objectFrom('taint', await readJson('taint', values.taint)) as unknown as ResourceTaint);
      if (sessionFile !== undefined && request.session === undefined)
        request = { ...request, session: { id: 'eval-session' } };

      const source =
        values.bundle !== undefined
          ? await readBundleFile(values.bundle)
          : await buildDirectory(values['policy-dir'] ?? 'rego');
      // Warnings and fail-closed errors go to stderr; stdout carries only the JSON answer.
      const logger = createLogger({ level: 'warn', stream: process.stderr });
      const metrics = createMetrics({ defaultMetrics: false });
      const policies = new PolicyStore({
        maxMemoryPages: 1024,
        createBuiltins: () => createBuiltins(),
        metrics,
        logger,
      });
      const flow = await createFlowStores({
        ranks: classificationRanks(source.bundle.data),
        sessionTtlSeconds: 3600,
        maxSessions: 16,
        redisUrl: '',
        redisKeyPrefix: 'regent:',
        activityWindowSeconds: 300,
      });
      try {
        const active = await policies.loadBytes(source.bytes, values.bundle ?? values['policy-dir'] ?? 'rego');
        // The input the policy saw: every evaluation of the decision entrypoint passes through here.
        const inner = active.evaluator;
        let seen: string | undefined;
        active.evaluator = Object.assign(Object.create(inner) as typeof inner, {
          evaluate: (...args: Parameters<typeof inner.evaluate>) => {
            seen = args[1];
            return inner.evaluate(...args);
          },
        });
        const updates: SessionUpdate[] = [];
        const sessions =
          sessionFile === undefined
            ? sessionPort(flow.sessions)
            : givenSession(sessionView(request.session?.id ?? 'eval-session', sessionFile), updates);
        const decisions = new DecisionService({
          policies,
          sessions: sessionFile === undefined ? recording(sessions, updates) : sessions,
          activity: activity === undefined ? activityPort(flow.activity) : givenActivity(activity),
          taint: taint === undefined ? flow.taint : givenTaint(taint),
          redaction: createRedactionPort({ maxPaths: 10_000 }),
          metrics,
          logger,
          logPayloads: false,
          decisionLog: false,
        });
        const decision = await decisions.decide(request, logger, {
          principalVerified: values['principal-verified'],
          ...(values.caller === undefined ? {} : { caller: { id: values.caller, auth: 'bearer' as const } }),
        });
        const out = {
          input: seen === undefined ? null : (JSON.parse(seen) as unknown),
          decision,
          session_update: updates.at(-1) ?? null,
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return EXIT.ok;
      } finally {
        await policies.close();
        await flow.close();
      }
    }),
};

/** The session view the policy sees, from a partial one in a file. */
function sessionView(id: string, given: Record<string, unknown>): SessionView {
  return {
    id,
    labels: [],
    systems: [],
    classification: null,
    steps: 0,
    first_seen: null,
    last_seen: null,
    ...(given as Partial<SessionView>),
  };
}

/** Passes through to `port`, keeping each committed update. */
function recording(port: SessionPort, updates: SessionUpdate[]): SessionPort {
  return {
    load: (id) => port.load(id),
    commit: async (id, version, update) => {
      const ok = await port.commit(id, version, update);
      if (ok) updates.push(update);
      return ok;
    },
  };
}
