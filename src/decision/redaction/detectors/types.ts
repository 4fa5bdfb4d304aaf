/**
 * The closed set of detector types and the shapes detectors share. The list is closed on
 * purpose: it labels the `regent_detections_total` metric and the policy matches on it, so a
 * new detector is a reviewed change to this file, never a runtime string.
 */

/** Every detector type, in priority order: when two findings overlap, the earlier type wins. */
export const DETECTOR_TYPES = [
  'private_key',
  'jwt',
  'aws_access_key',
  'github_token',
  'slack_token',
  'stripe_key',
  'google_api_key',
  'bearer_token',
  'secret_assignment',
  'iban',
  'payment_card',
  'us_ssn',
  'email',
  'phone',
] as const;

/** One of {@link DETECTOR_TYPES}. */
export type DetectorType = (typeof DETECTOR_TYPES)[number];

/** True when `value` is one of the closed detector types. */
export function isDetectorType(value: unknown): value is DetectorType {
  return typeof value === 'string' && (DETECTOR_TYPES as readonly string[]).includes(value);
}

/** Where a detector matched inside one string: `[start, end)` in UTF-16 code units. */
export interface Span {
  start: number;
  end: number;
}

/** One finding: what was found and where, never the value itself. */
export interface Finding {
  type: DetectorType;
  /**
   * JSON pointer of the string value, e.g. `/payload/messages/0/text`; for a finding in an object
   * key, the pointer of the member that key names (so the pointer's last segment holds the match).
   */
  path: string;
  /** Offset of the first code unit of the match (UTF-16, as JavaScript indexes strings). */
  start: number;
  /** Offset just past the match. */
  end: number;
  /** `'key'` when the match lies in the member's key rather than in a string value. */
  in?: 'key';
}

/** A finding as the policy sees it in `input.detected`: no offsets, no values. */
export interface DetectedItem {
  type: DetectorType;
  path: string;
  /** `'key'` when the match lies in the key of the member at `path`, not in its value. */
  in?: 'key';
}

/** Settings every detector may read; resolved from {@link DetectOptions} once per scan. */
export interface DetectorContext {
  /** Regions whose national phone formats are recognised (international `+` formats always are). */
  phoneRegions: readonly string[];
  /** Phone candidates left to validate with libphonenumber in this scan (each costs ~20-40 us). */
  phoneValidations: { remaining: number };
}

/** A detector for one type: a cheap pre-check, then a linear-time search. */
export interface Detector {
  readonly type: DetectorType;
  /** False when the text cannot contain a match (most texts skip most detectors this way). */
  mayContain(text: string): boolean;
  /** Non-overlapping matches in `text`, in order. */
  find(text: string, context: DetectorContext): Span[];
}
