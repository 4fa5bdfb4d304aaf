/**
 * Every configuration key regent reads, with its environment name, default, bounds and doc.
 * This table is the single source for validation and for the README's configuration table
 * (`node scripts/config-docs.ts`).
 */

/** How a key's text value (from the environment) is parsed and checked. */
export type KeyType =
  | { kind: 'string'; maxLength?: number }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] };

/** One documented configuration key. */
export interface ConfigKey {
  /** Key in the config file (camelCase). */
  name: string;
  /** Environment variable that overrides it. */
  env: string;
  type: KeyType;
  default: string | number | boolean;
  doc: string;
  example: string;
}

const int = (min: number, max: number): KeyType => ({ kind: 'int', min, max });

/** The configuration keys, in the order the README lists them. */
export const CONFIG_KEYS = [
  {
    name: 'host',
    env: 'REGENT_HOST',
    type: { kind: 'string', maxLength: 255 },
    default: '127.0.0.1',
    doc: 'Address to listen on. Loopback by default.',
    example: '0.0.0.0',
  },
  {
    name: 'port',
    env: 'REGENT_PORT',
    type: int(0, 65535),
    default: 8181,
    doc: 'TCP port (0 picks a free one).',
    example: '8181',
  },
  {
    name: 'bundlePath',
    env: 'REGENT_BUNDLE',
    type: { kind: 'string', maxLength: 4096 },
    default: 'bundles/regent.tar.gz',
    doc: 'OPA bundle (built by `make bundles`) to serve.',
    example: '/etc/regent/regent.tar.gz',
  },
  {
    name: 'policyDir',
    env: 'REGENT_POLICY_DIR',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'Rego directory to compile with the pinned OPA toolchain and serve instead of bundlePath; enables the Policy API and hot reload. Empty: serve bundlePath.',
    example: 'rego',
  },
  {
    name: 'policyOverlayDir',
    env: 'REGENT_POLICY_OVERLAY_DIR',
    type: { kind: 'string', maxLength: 4096 },
    default: 'var/policies',
    doc: 'Writable directory where `PUT /v1/policies/{id}` keeps modules, compiled on top of policyDir (must not be inside it).',
    example: '/var/lib/regent/policies',
  },
  {
    name: 'watchPolicies',
    env: 'REGENT_WATCH_POLICIES',
    type: { kind: 'bool' },
    default: true,
    doc: 'Watch policyDir and rebuild 200 ms after changes settle; a change that does not compile leaves the active revision serving.',
    example: 'false',
  },
  {
    name: 'maxPolicyBytes',
    env: 'REGENT_MAX_POLICY_BYTES',
    type: int(1024, 16 * 1024 * 1024),
    default: 1024 * 1024,
    doc: 'Largest Rego module `PUT /v1/policies/{id}` accepts; larger gets 413.',
    example: '262144',
  },
  {
    name: 'shadowPolicyDir',
    env: 'REGENT_SHADOW_POLICY_DIR',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'Rego directory compiled at start as the shadow candidate (recompiled by `POST /v1/shadow/rebuild`). Empty: no candidate until one is uploaded.',
    example: 'rego-next',
  },
  {
    name: 'shadowQueueSize',
    env: 'REGENT_SHADOW_QUEUE_SIZE',
    type: int(1, 1_000_000),
    default: 1024,
    doc: 'Decisions waiting for shadow evaluation; past it they are dropped and counted (regent_shadow_dropped_total).',
    example: '256',
  },
  {
    name: 'bundleUrl',
    env: 'REGENT_BUNDLE_URL',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'OPA bundle server URL of the bundle to serve (polled with ETag / If-None-Match); empty serves `REGENT_BUNDLE` from disk.',
    example: 'https://bundles.example.com/bundles/regent.tar.gz',
  },
  {
    name: 'bundleTokenFile',
    env: 'REGENT_BUNDLE_TOKEN_FILE',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'File holding the bearer token for the bundle server (never put the token itself in the environment).',
    example: '/etc/regent/bundle-token',
  },
  {
    name: 'bundlePollMinSeconds',
    env: 'REGENT_BUNDLE_POLL_MIN_SECONDS',
    type: int(1, 86_400),
    default: 60,
    doc: 'Shortest delay between bundle server polls.',
    example: '10',
  },
  {
    name: 'bundlePollMaxSeconds',
    env: 'REGENT_BUNDLE_POLL_MAX_SECONDS',
    type: int(1, 86_400),
    default: 120,
    doc: 'Longest delay between polls, and the cap of the error backoff.',
    example: '30',
  },
  {
    name: 'bundleVerificationFile',
    env: 'REGENT_BUNDLE_VERIFICATION',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'JSON file of bundle signing keys (`{"keys": {"<id>": {"algorithm": "RS256", "key_file": "pub.pem"}}, "keyid"?, "scope"?}`); when set, every bundle (disk, server or shadow upload) must carry a valid `.signatures.json`.',
    example: '/etc/regent/bundle-keys.json',
  },
  {
    name: 'maxBodyBytes',
    env: 'REGENT_MAX_BODY_BYTES',
    type: int(1024, 64 * 1024 * 1024),
    default: 1024 * 1024,
    doc: 'Largest request body accepted; larger gets 413.',
    example: '262144',
  },
  {
    name: 'maxBatch',
    env: 'REGENT_MAX_BATCH',
    type: int(1, 10_000),
    default: 100,
    doc: 'Most decisions one `POST /v1/decisions/batch` may carry.',
    example: '500',
  },
  {
    name: 'maxBatchBodyBytes',
    env: 'REGENT_MAX_BATCH_BODY_BYTES',
    type: int(1024, 256 * 1024 * 1024),
    default: 8 * 1024 * 1024,
    doc: 'Largest batch request body accepted; larger gets 413.',
    example: '16777216',
  },
  {
    name: 'wasmMaxMemoryPages',
    env: 'REGENT_WASM_MAX_PAGES',
    type: int(8, 65536),
    default: 1024,
    doc: 'Ceiling on policy WebAssembly memory, in 64 KiB pages; an evaluation that needs more is denied.',
    example: '512',
  },
  {
    name: 'logLevel',
    env: 'REGENT_LOG_LEVEL',
    type: { kind: 'enum', values: ['error', 'warn', 'info', 'debug'] },
    default: 'info',
    doc: 'Log level of the JSON logs on stdout.',
    example: 'debug',
  },
  {
    name: 'decisionLog',
    env: 'REGENT_DECISION_LOG',
    type: { kind: 'bool' },
    default: true,
    doc: 'Write one JSON decision record per decision to stdout.',
    example: 'false',
  },
  {
    name: 'logPayloads',
    env: 'REGENT_LOG_PAYLOADS',
    type: { kind: 'bool' },
    default: false,
    doc: 'Include the (redacted) payload in decision records. Off: payload values are never logged.',
    example: 'true',
  },
  {
    name: 'decisionLogInputs',
    env: 'REGENT_DECISION_LOG_INPUTS',
    type: { kind: 'bool' },
    default: false,
    doc: 'Include the policy input, with `payload` removed, in decision records, so `scripts/replay.ts` can replay them against a candidate bundle.',
    example: 'true',
  },
  {
    name: 'sessionTtlSeconds',
    env: 'REGENT_SESSION_TTL_SECONDS',
    type: int(1, 30 * 24 * 3600),
    default: 3600,
    doc: "Idle time after which a session's flow state is forgotten.",
    example: '900',
  },
  {
    name: 'maxSessions',
    env: 'REGENT_MAX_SESSIONS',
    type: int(1, 10_000_000),
    default: 100_000,
    doc: 'Sessions kept by the in-memory store before the least recently used is evicted.',
    example: '50000',
  },
  {
    name: 'redisUrl',
    env: 'REGENT_REDIS_URL',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'Redis for session state shared by several replicas; empty keeps it in memory.',
    example: 'redis://127.0.0.1:6379/0',
  },
  {
    name: 'redisKeyPrefix',
    env: 'REGENT_REDIS_KEY_PREFIX',
    type: { kind: 'string', maxLength: 128 },
    default: 'regent:',
    doc: 'Prefix of every Redis key regent writes.',
    example: 'regent:prod:',
  },
  {
    name: 'activityWindowSeconds',
    env: 'REGENT_ACTIVITY_WINDOW_SECONDS',
    type: int(1, 86_400),
    default: 300,
    doc: 'Length of the sliding window behind `input.activity`.',
    example: '60',
  },
  {
    name: 'auditPath',
    env: 'REGENT_AUDIT_PATH',
    type: { kind: 'string', maxLength: 4096 },
    default: 'var/audit/trail.jsonl',
    doc: 'Append-only audit trail file (embedded default); empty with no database URL disables the trail.',
    example: '/var/lib/regent/trail.jsonl',
  },
  {
    name: 'auditDatabaseUrl',
    env: 'REGENT_AUDIT_DATABASE_URL',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'PostgreSQL for an audit trail shared by several replicas; overrides auditPath.',
    example: 'postgres://regent@127.0.0.1/regent',
  },
  {
    name: 'auditSigningKeyPath',
    env: 'REGENT_AUDIT_SIGNING_KEY',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'Ed25519 private key (PEM) that signs audit checkpoints; empty: no checkpoints are written.',
    example: '/etc/regent/audit-ed25519.pem',
  },
  {
    name: 'evaluationTimeoutMs',
    env: 'REGENT_EVALUATION_TIMEOUT_MS',
    type: int(1, 60_000),
    default: 250,
    doc: 'Deadline for one policy evaluation; past it the decision is a deny.',
    example: '50',
  },
  {
    name: 'evalWorkers',
    env: 'REGENT_EVAL_WORKERS',
    type: int(-1, 256),
    default: -1,
    doc: 'Worker threads that evaluate policy, so a deadline can cut an evaluation off; -1 is one per CPU core; 0 evaluates in the HTTP thread (no deadline).',
    example: '2',
  },
  {
    name: 'evalMaxQueue',
    env: 'REGENT_EVAL_MAX_QUEUE',
    type: int(1, 1_000_000),
    default: 4096,
    doc: 'Evaluations that may wait for a worker; past it decisions are denied at once.',
    example: '1024',
  },
  {
    name: 'wasmRecycleBytes',
    env: 'REGENT_WASM_RECYCLE_BYTES',
    type: int(1024 * 1024, 4 * 1024 * 1024 * 1024),
    default: 32 * 1024 * 1024,
    doc: 'A policy instance whose WebAssembly memory grew past this is replaced after its evaluation, so memory stays flat.',
    example: '16777216',
  },
  {
    name: 'maxRedactionPaths',
    env: 'REGENT_MAX_REDACTION_PATHS',
    type: int(1, 1_000_000),
    default: 10_000,
    doc: 'Most payload values one decision may redact; more is a deny.',
    example: '1000',
  },
  {
    name: 'tokensFile',
    env: 'REGENT_TOKENS_FILE',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'JSON file of bearer tokens, as sha256 hashes never plaintext: `{"tokens": [{"id", "sha256", "scopes": ["decide"|"admin"|"metrics"]}]}`. Empty: no tokens (authentication is off unless a client CA is set).',
    example: '/etc/regent/tokens.json',
  },
  {
    name: 'tlsCertPath',
    env: 'REGENT_TLS_CERT',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'Server certificate chain (PEM); with REGENT_TLS_KEY regent serves HTTPS. Empty: plain HTTP.',
    example: '/etc/regent/tls/server.crt',
  },
  {
    name: 'tlsKeyPath',
    env: 'REGENT_TLS_KEY',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'Private key (PEM) of REGENT_TLS_CERT.',
    example: '/etc/regent/tls/server.key',
  },
  {
    name: 'tlsClientCaPath',
    env: 'REGENT_TLS_CLIENT_CA',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'CA (PEM) that signs client certificates: turns on mutual TLS. A certificate from another CA is refused at the TLS layer; a client without one needs a bearer token.',
    example: '/etc/regent/tls/clients-ca.crt',
  },
  {
    name: 'tlsClientsFile',
    env: 'REGENT_TLS_CLIENTS_FILE',
    type: { kind: 'string', maxLength: 4096 },
    default: '',
    doc: 'JSON file mapping client certificate subject CNs to scopes: `{"clients": [{"cn", "scopes"}]}`. Needed with REGENT_TLS_CLIENT_CA.',
    example: '/etc/regent/tls/clients.json',
  },
  {
    name: 'allowUnauthenticatedNetwork',
    env: 'REGENT_ALLOW_UNAUTHENTICATED_NETWORK',
    type: { kind: 'bool' },
    default: false,
    doc: 'Listen on a non-loopback REGENT_HOST with authentication off. Only when a proxy in front of regent authenticates every caller.',
    example: 'true',
  },
] as const satisfies readonly ConfigKey[];
