/**
 * Loads configuration: defaults, then an optional JSON file (`REGENT_CONFIG`), then `REGENT_*`
 * environment variables. Every bad key is reported at once, and the result is frozen and passed
 * in to whoever needs it (never read from a global).
 */
import { readFileSync } from 'node:fs';
import { loadSecuritySettings, type SecurityKeys, type SecuritySettings } from '../security/security-settings.ts';
import { checkPrincipalKeys, type PrincipalKeys } from '../identity/index.ts';
import { checkTelemetryKeys, type TelemetryKeys } from '../observability/telemetry-keys.ts';
import { checkApprovalKeys, type ApprovalKeys } from '../approvals/approval-keys.ts';
import { CONFIG_KEYS, type ConfigKey } from './config-keys.ts';
import { checkListenKeys, type ListenKeys } from './listen-keys.ts';

/** regent's validated configuration. */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** REGENT_REUSE_PORT: share the port with other regent processes on the host (record 021). */
  readonly reusePort: boolean;
  /** REGENT_METRICS_PORT: -1 none, else a port for /metrics and the health checks only. */
  readonly metricsPort: number;
  readonly drainDelaySeconds: number;
  readonly drainTimeoutSeconds: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxHeaderBytes: number;
  readonly bundlePath: string;
  readonly bundleUrl: string;
  readonly bundleTokenFile: string;
  readonly bundlePollMinSeconds: number;
  readonly bundlePollMaxSeconds: number;
  readonly bundleVerificationFile: string;
  readonly policyDir: string;
  readonly policyOverlayDir: string;
  readonly watchPolicies: boolean;
  readonly maxPolicyBytes: number;
  readonly shadowPolicyDir: string;
  readonly shadowQueueSize: number;
  readonly auditStreamMaxSeconds: number;
  readonly maxBodyBytes: number;
  readonly maxBatch: number;
  readonly maxBatchBodyBytes: number;
  readonly wasmMaxMemoryPages: number;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  readonly decisionLog: boolean;
  readonly logPayloads: boolean;
  readonly decisionLogInputs: boolean;
  /** REGENT_DECISION_LOG_FORMAT. */
  readonly decisionLogFormat: 'regent' | 'opa';
  /** REGENT_DECISION_LOG_URL (empty: no upload). */
  readonly decisionLogUrl: string;
  readonly decisionLogTokenFile: string;
  readonly decisionLogBufferEvents: number;
  readonly decisionLogUploadIntervalMs: number;
  /** REGENT_OTLP_ENDPOINT (empty: tracing off). */
  readonly otlpEndpoint: string;
  readonly otlpServiceName: string;
  readonly traceSamplePercent: number;
  readonly sessionTtlSeconds: number;
  /** REGENT_RESOURCE_TAINT_TTL_SECONDS. */
  readonly resourceTaintTtlSeconds: number;
  readonly maxSessions: number;
  readonly redisUrl: string;
  readonly redisKeyPrefix: string;
  readonly activityWindowSeconds: number;
  /** REGENT_APPROVAL_* (src/approvals/approval-keys.ts). */
  readonly approvalTtlSeconds: number;
  readonly approvalStore: 'file' | 'redis' | 'postgres';
  readonly approvalsPath: string;
  readonly approvalDatabaseUrl: string;
  readonly approvalRetentionSeconds: number;
  readonly approvalUrlBase: string;
  readonly approvalWebhookUrl: string;
  readonly approvalWebhookSecretFile: string;
  readonly auditPath: string;
  readonly auditDatabaseUrl: string;
  readonly auditSigningKeyPath: string;
  /** REGENT_DIRECTORY_PATH (empty, with no database URL: SCIM off). */
  readonly directoryPath: string;
  /** REGENT_DIRECTORY_DATABASE_URL. */
  readonly directoryDatabaseUrl: string;
  readonly evaluationTimeoutMs: number;
  readonly evalWorkers: number;
  readonly evalMaxQueue: number;
  readonly wasmRecycleBytes: number;
  readonly maxRedactionPaths: number;
  readonly tokensFile: string;
  readonly tlsCertPath: string;
  readonly tlsKeyPath: string;
  readonly tlsClientCaPath: string;
  readonly tlsClientsFile: string;
  readonly allowUnauthenticatedNetwork: boolean;
  readonly principalIssuer: string;
  readonly principalAudience: string;
  readonly principalJwksFile: string;
  readonly principalJwksUrl: string;
  readonly principalClockSkewSeconds: number;
  readonly principalGroupsClaim: string;
  readonly principalHeader: string;
  readonly principalAlgorithms: string;
  /** REGENT_STRICT_BUILTIN_ERRORS. */
  readonly strictBuiltinErrors: boolean;
  /** Tokens, client CNs and TLS files as read from the files the keys above name (not a key itself). */
  readonly security: SecuritySettings;
}

/** Thrown when configuration is invalid; lists every problem, not just the first. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Value = string | number | boolean;

/** REGENT_* variables that are not settings of the service itself. */
const NOT_SETTINGS = new Set(['REGENT_CONFIG', 'REGENT_NODE_VERSION']);

function fromText(key: ConfigKey, text: string, where: string, problems: string[]): Value | undefined {
  const t = key.type;
  switch (t.kind) {
    case 'string':
      if (t.maxLength !== undefined && text.length > t.maxLength) {
        problems.push(`${where}: longer than ${t.maxLength} characters`);
        return undefined;
      }
      return text;
    case 'int': {
      if (!/^-?\d+$/.test(text.trim())) {
        problems.push(`${where}: "${text}" is not an integer`);
        return undefined;
      }
      return check(key, Number(text), where, problems);
    }
    case 'bool':
      if (['true', '1', 'yes', 'on'].includes(text.toLowerCase())) return true;
      if (['false', '0', 'no', 'off'].includes(text.toLowerCase())) return false;
      problems.push(`${where}: "${text}" is not a boolean (true/false)`);
      return undefined;
    case 'enum':
      if (!t.values.includes(text)) {
        problems.push(`${where}: "${text}" is not one of ${t.values.join(', ')}`);
        return undefined;
      }
      return text;
  }
}

function check(key: ConfigKey, value: unknown, where: string, problems: string[]): Value | undefined {
  const t = key.type;
  if (t.kind === 'int') {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      problems.push(`${where}: must be an integer`);
      return undefined;
    }
    if (value < t.min || value > t.max) {
      problems.push(`${where}: ${value} is outside ${t.min}..${t.max}`);
      return undefined;
    }
    return value;
  }
  if (t.kind === 'bool') {
    if (typeof value !== 'boolean') {
      problems.push(`${where}: must be a boolean`);
      return undefined;
    }
    return value;
  }
  if (typeof value !== 'string') {
    problems.push(`${where}: must be a string`);
    return undefined;
  }
  return fromText(key, value, where, problems);
}

/** Builds the configuration from defaults, an optional file and the environment. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Config {
  const problems: string[] = [];
  const values = new Map<string, Value>(CONFIG_KEYS.map((k) => [k.name, k.default]));

  const file = env['REGENT_CONFIG'];
  if (file !== undefined && file !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(file));
    } catch (err) {
      problems.push(`REGENT_CONFIG (${file}): cannot read JSON: ${(err as Error).message}`);
    }
    if (parsed !== undefined) {
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        problems.push(`REGENT_CONFIG (${file}): must hold a JSON object`);
      } else {
        for (const [name, raw] of Object.entries(parsed)) {
          const key = CONFIG_KEYS.find((k) => k.name === name);
          if (key === undefined) {
            problems.push(`${file}: unknown key "${name}"`);
            continue;
          }
          const v = check(key, raw, `${file}: ${name}`, problems);
          if (v !== undefined) values.set(name, v);
        }
      }
    }
  }

  for (const key of CONFIG_KEYS) {
    const text = env[key.env];
    if (text === undefined) continue;
    const v = fromText(key, text, key.env, problems);
    if (v !== undefined) values.set(key.name, v);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('REGENT_') && !NOT_SETTINGS.has(name) && !CONFIG_KEYS.some((k) => k.env === name)) {
      problems.push(`${name}: unknown setting (see the README's configuration table)`);
    }
  }
  // The files the security keys name are read now too, so their problems are reported with the rest.
  const flat = Object.fromEntries(values);
  const security = loadSecuritySettings(flat as unknown as SecurityKeys, readFile);
  problems.push(...security.problems);
  // Principal verification: invalid combinations and an unusable JWKS file fail start-up too.
  problems.push(...checkPrincipalKeys(flat as unknown as PrincipalKeys, readFile));
  problems.push(...checkTelemetryKeys(flat as unknown as TelemetryKeys, readFile));
  problems.push(...checkApprovalKeys(flat as unknown as ApprovalKeys, readFile));
  problems.push(...checkListenKeys(flat as unknown as ListenKeys));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...flat, security: security.settings }) as unknown as Config;
}

/** The defaults alone, for tests and tools that build an app without a process environment. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  const base = Object.fromEntries(CONFIG_KEYS.map((k) => [k.name, k.default]));
  const merged = { ...base, ...overrides };
  if (overrides.security !== undefined) return Object.freeze(merged) as unknown as Config;
  const security = loadSecuritySettings(merged as unknown as SecurityKeys, (p) => readFileSync(p, 'utf8'));
  if (security.problems.length > 0) throw new ConfigError(security.problems);
  return Object.freeze({ ...merged, security: security.settings }) as unknown as Config;
}
