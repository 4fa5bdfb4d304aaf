/** Public surface of regent's redaction: pointer redaction, detectors, masking, and the decision-service adapter. */
export {
  applyRedactions,
  REDACTION_MARKER,
  MIN_PROPAGATED_LENGTH,
  MIN_PROPAGATED_DIGITS,
  type ApplyOptions,
  type AppliedRedaction,
  type RedactionOutcome,
  type RedactionRequest,
} from './apply.ts';
export { RedactionPathError, RedactionLimitError, FindingMismatchError, ScanIncompleteError } from './errors.ts';
export { DEFAULT_MAX_MATCHES } from './match.ts';
export { PAYLOAD_ROOT, WILDCARD, parsePathPattern, formatPointer, escapeSegment, type PathPattern } from './pointer.ts';
export { createRedactor, type PolicyRedaction, type Redactor, type RedactorOptions } from './redactor.ts';
export {
  detect,
  scanPayload,
  toDetected,
  DETECT_DEFAULTS,
  type DetectOptions,
  type ScanResult,
} from './detectors/detect.ts';
export { maskFindings, findingMarker } from './detectors/mask.ts';
export {
  DETECTOR_TYPES,
  isDetectorType,
  type DetectorType,
  type Finding,
  type DetectedItem,
} from './detectors/types.ts';
