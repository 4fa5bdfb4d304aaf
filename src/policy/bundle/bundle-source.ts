/**
 * Where the serving bundle comes from, as configured: a file on disk (`REGENT_BUNDLE`) or an
 * OPA bundle server (`REGENT_BUNDLE_URL`, polled with ETag / If-None-Match), each verified
 * against the signing keys of `REGENT_BUNDLE_VERIFICATION` when that is set. Verification follows
 * the configuration: with it set, an unsigned, stripped, tampered or wrong-key bundle is
 * rejected, and the previous revision keeps serving.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeThrown } from '../../errors/policy-errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { PolicyStore } from '../policy-store.ts';
import { BundlePoller, type BundleSourceStatus } from './bundle-poller.ts';
import { loadBundleFile } from './load-bundle.ts';
import { BundleVerificationError } from './verification-error.ts';
import { checkVerificationConfig, type VerificationConfig, type VerificationKey } from './verify-bundle.ts';

/** The settings this module reads (names as in src/config/config-keys.ts). */
export interface BundleSourceSettings {
  bundlePath: string;
  bundleUrl: string;
  bundleTokenFile: string;
  bundlePollMinSeconds: number;
  bundlePollMaxSeconds: number;
}

/** The verification file's shape: OPA's `keys` / `signing` settings with keys read from files. */
interface VerificationFile {
  keys?: Record<string, { algorithm?: string; key_file?: string; scope?: string }>;
  keyid?: string;
  scope?: string;
  exclude_files?: string[];
}

/**
 * Reads the verification settings file, reading each key from its `key_file` (relative paths are
 * relative to the settings file). Throws one error listing every problem.
 */
export function loadVerificationConfig(file: string): VerificationConfig {
  const problems: string[] = [];
  let raw: VerificationFile;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as VerificationFile;
  } catch (err) {
    throw new Error(`REGENT_BUNDLE_VERIFICATION (${file}): cannot read JSON: ${describeThrown(err)}`, { cause: err });
  }
  const keys: Record<string, VerificationKey> = {};
  for (const [id, entry] of Object.entries(raw.keys ?? {})) {
    if (typeof entry.key_file !== 'string') {
      problems.push(`keys.${id}: needs "key_file", the path of a PEM public key`);
      continue;
    }
    try {
      const key = readFileSync(path.resolve(path.dirname(file), entry.key_file), 'utf8');
      keys[id] = {
        key,
        ...(entry.algorithm === undefined ? {} : { algorithm: entry.algorithm as VerificationKey['algorithm'] }),
        ...(entry.scope === undefined ? {} : { scope: entry.scope }),
      } as VerificationKey;
    } catch (err) {
      problems.push(`keys.${id}: cannot read ${entry.key_file}: ${describeThrown(err)}`);
    }
  }
  const config: VerificationConfig = {
    keys,
    ...(raw.keyid === undefined ? {} : { keyid: raw.keyid }),
    ...(raw.scope === undefined ? {} : { scope: raw.scope }),
    ...(raw.exclude_files === undefined ? {} : { exclude_files: raw.exclude_files }),
  };
  problems.push(...checkVerificationConfig(config));
  if (problems.length > 0) throw new Error(`REGENT_BUNDLE_VERIFICATION (${file}):\n  - ${problems.join('\n  - ')}`);
  return config;
}

/** The configured bundle source, started once and stopped at shutdown. */
export interface BundleSource {
  /** Loads (or first-polls) the bundle; never throws: failures are recorded and logged. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The remote source's state for /v1/status, when polling a server. */
  status(): BundleSourceStatus | undefined;
}

/** Builds the bundle source from settings. */
export function createBundleSource(
  settings: BundleSourceSettings,
  deps: {
    policies: PolicyStore;
    logger: Logger;
    /** The keys of REGENT_BUNDLE_VERIFICATION ({@link loadVerificationConfig}); undefined when unset. */
    verification: VerificationConfig | undefined;
    onVerificationFailure: (reason: string) => void;
  },
): BundleSource {
  const { policies, logger, verification } = deps;
  const recordFailure = (source: string, err: unknown) => {
    if (err instanceof BundleVerificationError) deps.onVerificationFailure(err.reason);
    policies.recordFailure(source, err);
  };

  if (settings.bundleUrl === '') {
    return {
      async start() {
        try {
          const loaded = await loadBundleFile(settings.bundlePath, verification);
          await policies.activate(loaded.bundle, settings.bundlePath);
        } catch (err) {
          recordFailure(settings.bundlePath, err);
        }
      },
      stop: () => Promise.resolve(),
      status: () => undefined,
    };
  }

  const url = new URL(settings.bundleUrl);
  const token = settings.bundleTokenFile === '' ? undefined : readFileSync(settings.bundleTokenFile, 'utf8').trim();
  const poller = new BundlePoller({
    name: 'regent',
    url: url.origin,
    resource: url.pathname.replace(/^\//, '') + url.search,
    ...(token === undefined ? {} : { token }),
    minDelaySeconds: settings.bundlePollMinSeconds,
    maxDelaySeconds: settings.bundlePollMaxSeconds,
    ...(verification === undefined ? {} : { verification }),
    onBundle: async (_bytes, meta) => {
      try {
        await policies.activate(meta.bundle, meta.source);
      } catch (err) {
        policies.recordFailure(meta.source, err);
        throw err;
      }
    },
    onError: (err, failure) => {
      if (failure === 'activation_failed') return; // recorded by onBundle
      if (failure.startsWith('verification_')) deps.onVerificationFailure(failure.slice('verification_'.length));
      policies.recordFailure(`${url.origin}${url.pathname}`, err);
      logger.warn('bundle poll failed', { failure });
    },
  });
  return {
    async start() {
      await poller.pollOnce();
      poller.start();
    },
    stop: () => poller.stop(),
    status: () => poller.status(),
  };
}
