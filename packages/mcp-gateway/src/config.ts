/**
 * The gateway's configuration file: its JSON Schema (every key documented in the README), loading
 * with every problem reported at once, relative paths resolved against the file's folder, secrets
 * read from the files it names, and the result frozen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { AgentIdentity, ToolMapping } from '@regent/client';

export type { AgentIdentity, ToolMapping };

const pointer = { type: 'string', pattern: '^(/.*)?$', maxLength: 1024 } as const;
const name = { type: 'string', minLength: 1, maxLength: 256 } as const;
const principal = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: name,
    groups: { type: 'array', items: name, maxItems: 64 },
    clearance: name,
  },
} as const;
const agent = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: name,
    roles: { type: 'array', items: name, maxItems: 32 },
    on_behalf_of: principal,
    principal_token_file: name,
  },
} as const;

/** JSON Schema of the configuration file. */
export const GATEWAY_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['regent', 'upstreams'],
  properties: {
    $schema: { type: 'string' },
    regent: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^https?://' },
        token_file: name,
        principal_header: name,
        deadline_ms: { type: 'integer', minimum: 1, maximum: 60000 },
        retries: { type: 'integer', minimum: 0, maximum: 5 },
      },
    },
    agent,
    http: {
      type: 'object',
      additionalProperties: false,
      required: ['clients'],
      properties: {
        host: name,
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        path: { type: 'string', pattern: '^/' },
        max_sessions: { type: 'integer', minimum: 1 },
        clients: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['token_sha256', 'agent'],
            properties: {
              token_sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
              agent,
              principal_token_header: { type: 'string', pattern: '^[a-z0-9-]+$' },
            },
          },
        },
      },
    },
    list_cache_seconds: { type: 'integer', minimum: 0, maximum: 86400 },
    approval_wait_ms: { type: 'integer', minimum: 0, maximum: 3_600_000 },
    upstreams: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['tools'],
        properties: {
          stdio: {
            type: 'object',
            additionalProperties: false,
            required: ['command'],
            properties: {
              command: name,
              args: { type: 'array', items: { type: 'string' } },
              cwd: name,
              env: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
          http: {
            type: 'object',
            additionalProperties: false,
            required: ['url'],
            properties: {
              url: { type: 'string', pattern: '^https?://' },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
          timeout_ms: { type: 'integer', minimum: 1 },
          tools: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              required: ['regent_tool', 'kind'],
              properties: {
                regent_tool: { type: 'string', pattern: '^[A-Za-z0-9_.:/-]+$', maxLength: 256 },
                kind: { enum: ['read', 'write', 'send', 'delete', 'execute'] },
                expose_as: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' },
                resource: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { system: name, id: pointer },
                },
                destination: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { system: name, id: pointer, recipients: pointer },
                },
                payload: pointer,
              },
            },
          },
        },
        oneOf: [{ required: ['stdio'] }, { required: ['http'] }],
      },
    },
  },
} as const;

/** One upstream MCP server and its tool mapping. */
export interface UpstreamConfig {
  name: string;
  stdio?: { command: string; args: string[]; cwd?: string; env?: Record<string, string> };
  http?: { url: string; headers: Record<string, string> };
  timeout_ms: number;
  tools: Record<string, ToolMapping>;
}

/** One client of the Streamable HTTP listener: its token's hash and the agent it is. */
export interface HttpClientConfig {
  token_sha256: string;
  agent: AgentIdentity;
  principal_token_header?: string;
}

/** The loaded, checked, frozen configuration. */
export interface GatewayConfig {
  regent: { url: string; token?: string; principal_header: string; deadline_ms: number; retries: number };
  agent?: AgentIdentity;
  http?: { host: string; port: number; path: string; max_sessions: number; clients: HttpClientConfig[] };
  list_cache_seconds: number;
  /** How long a call regent escalated waits for a person before it is refused (0: refused at once). */
  approval_wait_ms: number;
  upstreams: UpstreamConfig[];
}

/** Every problem found in a configuration file. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super(`${file}: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The file's shape once the schema has accepted it. */
interface RawAgent {
  id: string;
  roles?: string[];
  on_behalf_of?: { id: string; groups?: string[]; clearance?: string };
  principal_token_file?: string;
}
interface RawConfig {
  regent: { url: string; token_file?: string; principal_header?: string; deadline_ms?: number; retries?: number };
  agent?: RawAgent;
  http?: {
    host?: string;
    port?: number;
    path?: string;
    max_sessions?: number;
    clients: { token_sha256: string; agent: RawAgent; principal_token_header?: string }[];
  };
  list_cache_seconds?: number;
  approval_wait_ms?: number;
  upstreams: Record<
    string,
    {
      stdio?: { command: string; args?: string[]; cwd?: string; env?: Record<string, string> };
      http?: { url: string; headers?: Record<string, string> };
      timeout_ms?: number;
      tools: Record<string, ToolMapping>;
    }
  >;
}

const validate = new Ajv({ allErrors: true, strict: false }).compile(GATEWAY_CONFIG_SCHEMA);

/** Reads, checks and resolves a configuration file. Throws a ConfigError listing every problem. */
export function loadGatewayConfig(file: string): GatewayConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, [`cannot read it as JSON: ${(err as Error).message}`]);
  }
  return parseGatewayConfig(raw, path.dirname(path.resolve(file)), file);
}

/** Checks and resolves a configuration object; relative paths are taken from `baseDir`. */
export function parseGatewayConfig(raw: unknown, baseDir: string, label = 'configuration'): GatewayConfig {
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    throw new ConfigError(label, [...new Set(problems)]);
  }
  const c = raw as RawConfig;
  const problems: string[] = [];
  const readSecret = (key: string, p: string): string | undefined => {
    try {
      return readFileSync(path.resolve(baseDir, p), 'utf8').trim();
    } catch (err) {
      problems.push(`${key}: cannot read ${p}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const identity = (key: string, a: RawAgent): AgentIdentity => {
    const out: AgentIdentity = { id: a.id };
    if (a.roles !== undefined) out.roles = a.roles;
    if (a.on_behalf_of !== undefined) out.on_behalf_of = a.on_behalf_of;
    if (a.principal_token_file !== undefined) {
      const token = readSecret(`${key}/principal_token_file`, a.principal_token_file);
      if (token !== undefined) out.principal_token = token;
    }
    return out;
  };
  const regent: GatewayConfig['regent'] = {
    url: c.regent.url,
    principal_header: c.regent.principal_header ?? 'regent-principal-token',
    deadline_ms: c.regent.deadline_ms ?? 1000,
    retries: c.regent.retries ?? 1,
  };
  if (c.regent.token_file !== undefined) {
    const token = readSecret('/regent/token_file', c.regent.token_file);
    if (token !== undefined) regent.token = token;
  }
  const upstreams: UpstreamConfig[] = Object.entries(c.upstreams).map(([n, u]) => {
    const up: UpstreamConfig = { name: n, timeout_ms: u.timeout_ms ?? 30000, tools: u.tools };
    if (u.stdio !== undefined)
      up.stdio = {
        command: u.stdio.command,
        args: u.stdio.args ?? [],
        cwd: path.resolve(baseDir, u.stdio.cwd ?? '.'),
        ...(u.stdio.env === undefined ? {} : { env: u.stdio.env }),
      };
    if (u.http !== undefined) up.http = { url: u.http.url, headers: u.http.headers ?? {} };
    return up;
  });
  const exposed = new Map<string, string>();
  for (const up of upstreams)
    for (const [tool, m] of Object.entries(up.tools)) {
      const as = m.expose_as ?? tool;
      const other = exposed.get(as);
      if (other !== undefined)
        problems.push(`/upstreams/${up.name}/tools/${tool}: exposed name '${as}' is also ${other}`);
      exposed.set(as, `${up.name}/${tool}`);
    }
  const config: GatewayConfig = {
    regent,
    list_cache_seconds: c.list_cache_seconds ?? 300,
    approval_wait_ms: c.approval_wait_ms ?? 0,
    upstreams,
  };
  if (c.agent !== undefined) config.agent = identity('/agent', c.agent);
  if (c.http !== undefined)
    config.http = {
      host: c.http.host ?? '127.0.0.1',
      port: c.http.port ?? 8090,
      path: c.http.path ?? '/mcp',
      max_sessions: c.http.max_sessions ?? 1000,
      clients: c.http.clients.map((cl, i) => ({
        token_sha256: cl.token_sha256,
        agent: identity(`/http/clients/${i}/agent`, cl.agent),
        ...(cl.principal_token_header === undefined ? {} : { principal_token_header: cl.principal_token_header }),
      })),
    };
  if (config.agent === undefined && config.http === undefined)
    problems.push('/ needs "agent" (stdio towards the agent) or "http" (Streamable HTTP), or both');
  if (problems.length > 0) throw new ConfigError(label, problems);
  return deepFreeze(config);
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
