/**
 * The configuration keys of tracing and OPA-format decision logs and their start-up checks, apart
 * from telemetry.ts so loading configuration does not load the OpenTelemetry SDK.
 */

/** The configuration keys read here (src/config/config-keys.ts). */
export interface TelemetryKeys {
  otlpEndpoint: string;
  otlpServiceName: string;
  traceSamplePercent: number;
  decisionLog: boolean;
  decisionLogFormat: string;
  decisionLogUrl: string;
  decisionLogTokenFile: string;
  decisionLogBufferEvents: number;
  decisionLogUploadIntervalMs: number;
  decisionLogInputs: boolean;
  logPayloads: boolean;
}

/** Problems with the telemetry keys, reported with every other configuration problem at start. */
export function checkTelemetryKeys(keys: TelemetryKeys, readFile: (path: string) => string): string[] {
  const problems: string[] = [];
  for (const [env, value] of [
    ['REGENT_OTLP_ENDPOINT', keys.otlpEndpoint],
    ['REGENT_DECISION_LOG_URL', keys.decisionLogUrl],
  ] as const) {
    if (value === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      problems.push(`${env}: "${value}" is not an http(s) URL`);
    else if (url.username !== '' || url.password !== '')
      problems.push(`${env}: user or password in the URL (credentials go in files, never in the configuration)`);
  }
  if (keys.decisionLogTokenFile !== '') {
    if (keys.decisionLogUrl === '')
      problems.push('REGENT_DECISION_LOG_TOKEN_FILE: set without REGENT_DECISION_LOG_URL');
    try {
      if (readFile(keys.decisionLogTokenFile).trim() === '')
        problems.push(`REGENT_DECISION_LOG_TOKEN_FILE (${keys.decisionLogTokenFile}): empty`);
    } catch (err) {
      problems.push(`REGENT_DECISION_LOG_TOKEN_FILE (${keys.decisionLogTokenFile}): ${(err as Error).message}`);
    }
  }
  return problems;
}
