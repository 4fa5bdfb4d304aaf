/**
 * Vendor credentials with a recognisable prefix: AWS access key ids, GitHub, Slack, Stripe and
 * Google API keys. A fixed prefix plus a bounded body is both precise and linear; the boundary
 * lookarounds keep a key from matching inside a longer identifier.
 */
import { scanCandidates, wholeMatch } from './scan-regex.ts';
import type { Detector, DetectorType } from './types.ts';

/**
 * A detector of a token with one of `prefixes`, matched by `pattern`; `minLength` is the shortest
 * text the pattern can match, so most field values (names, titles, ids) are passed over at once.
 */
function prefixed(
  type: DetectorType,
  prefixes: readonly string[],
  minLength: number,
  pattern: RegExp,
  accept: (m: RegExpExecArray) => boolean = () => true,
): Detector {
  return {
    type,
    mayContain: (text) => {
      if (text.length < minLength) return false;
      for (const p of prefixes) if (text.includes(p)) return true;
      return false;
    },
    find: (text) => scanCandidates(pattern, text, (m) => (accept(m) ? [wholeMatch(m)] : [])),
  };
}

/** AWS access key ids (`AKIA...` long-term, `ASIA...` temporary, and the other IAM id prefixes that carry keys). */
export const awsAccessKeyDetector = prefixed(
  'aws_access_key',
  ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  20,
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
);

/** GitHub tokens: classic `ghp_`, OAuth `gho_`, user/server/refresh `ghu_ ghs_ ghr_`, fine-grained `github_pat_`. */
export const githubTokenDetector = prefixed(
  'github_token',
  ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  40,
  /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{20,40}_[A-Za-z0-9]{40,100})(?![A-Za-z0-9_])/g,
);

/** Slack tokens (`xoxb-`, `xoxp-`, `xoxa-`, `xoxe-`, ...) and incoming-webhook URLs. */
export const slackTokenDetector = prefixed(
  'slack_token',
  ['xox', 'hooks.slack.com'],
  15,
  /(?<![A-Za-z0-9-])xox[abeoprs]-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])|https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32}(?![A-Za-z0-9])/g,
  // Real tokens carry numeric team/user ids; `xoxb-not-a-real-token` does not.
  (m) => m[0].startsWith('https:') || /[0-9]{6,}/.test(m[0]),
);

/** Stripe secret and restricted keys, live or test (publishable `pk_` keys are public by design). */
export const stripeKeyDetector = prefixed(
  'stripe_key',
  ['sk_', 'rk_'],
  24,
  /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}(?![A-Za-z0-9_])/g,
);

/** Google API keys: `AIza` and 35 more URL-safe characters. */
export const googleApiKeyDetector = prefixed(
  'google_api_key',
  ['AIza'],
  39,
  /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g,
);
