/** Every detector, in the priority order of {@link DETECTOR_TYPES}. */
import { emailDetector } from './email.ts';
import { bearerTokenDetector, secretAssignmentDetector } from './generic-secrets.ts';
import { ibanDetector } from './iban.ts';
import { jwtDetector } from './jwt.ts';
import { paymentCardDetector } from './payment-card.ts';
import { phoneDetector } from './phone.ts';
import { privateKeyDetector } from './private-key.ts';
import {
  awsAccessKeyDetector,
  githubTokenDetector,
  googleApiKeyDetector,
  slackTokenDetector,
  stripeKeyDetector,
} from './tokens.ts';
import { DETECTOR_TYPES, type Detector, type DetectorType } from './types.ts';
import { usSsnDetector } from './us-ssn.ts';

const ALL: readonly Detector[] = [
  privateKeyDetector,
  jwtDetector,
  awsAccessKeyDetector,
  githubTokenDetector,
  slackTokenDetector,
  stripeKeyDetector,
  googleApiKeyDetector,
  bearerTokenDetector,
  secretAssignmentDetector,
  ibanDetector,
  paymentCardDetector,
  usSsnDetector,
  emailDetector,
  phoneDetector,
];

/** The detectors keyed by type; every type of the closed list has exactly one. */
export const DETECTORS: ReadonlyMap<DetectorType, Detector> = new Map(ALL.map((d) => [d.type, d]));

// Fails at import time, not in production traffic, if the list and the detectors drift apart.
if (DETECTORS.size !== DETECTOR_TYPES.length || DETECTOR_TYPES.some((t, i) => ALL[i]?.type !== t)) {
  throw new Error('detector registry does not match DETECTOR_TYPES');
}
