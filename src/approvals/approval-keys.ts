/**
 * The approval settings that only make sense together, checked at start with every other
 * configuration problem (src/config/load-config.ts): a shared store needs its URL, a webhook
 * needs its signing key, links need an absolute http(s) base.
 */

/** The configuration keys the approvals read (names as in src/config/config-keys.ts). */
export interface ApprovalKeys {
  readonly approvalStore: 'file' | 'redis' | 'postgres';
  readonly approvalsPath: string;
  readonly approvalDatabaseUrl: string;
  readonly auditDatabaseUrl: string;
  readonly redisUrl: string;
  readonly approvalUrlBase: string;
  readonly approvalWebhookUrl: string;
  readonly approvalWebhookSecretFile: string;
}

/** Every problem with the approval settings (empty when they are usable). */
export function checkApprovalKeys(keys: ApprovalKeys, readFile: (path: string) => string): string[] {
  const problems: string[] = [];
  if (keys.approvalStore === 'file' && keys.approvalsPath === '')
    problems.push('REGENT_APPROVALS_PATH: needed with REGENT_APPROVAL_STORE=file');
  if (keys.approvalStore === 'redis' && keys.redisUrl === '')
    problems.push('REGENT_APPROVAL_STORE=redis: needs REGENT_REDIS_URL');
  if (keys.approvalStore === 'postgres' && keys.approvalDatabaseUrl === '' && keys.auditDatabaseUrl === '')
    problems.push('REGENT_APPROVAL_STORE=postgres: needs REGENT_APPROVAL_DATABASE_URL or REGENT_AUDIT_DATABASE_URL');
  if (keys.approvalUrlBase !== '' && !isHttpUrl(keys.approvalUrlBase))
    problems.push('REGENT_APPROVAL_URL_BASE: must be an http(s) URL such as https://regent.example.com');
  if (keys.approvalWebhookUrl !== '') {
    if (!isHttpUrl(keys.approvalWebhookUrl)) problems.push('REGENT_APPROVAL_WEBHOOK_URL: must be an http(s) URL');
    if (keys.approvalWebhookSecretFile === '')
      problems.push(
        'REGENT_APPROVAL_WEBHOOK_URL: needs REGENT_APPROVAL_WEBHOOK_SECRET_FILE, whose key signs each notification',
      );
  }
  if (keys.approvalWebhookSecretFile !== '') {
    try {
      if (readFile(keys.approvalWebhookSecretFile).trim().length < 16)
        problems.push('REGENT_APPROVAL_WEBHOOK_SECRET_FILE: the key must be at least 16 characters');
    } catch (err) {
      problems.push(
        `REGENT_APPROVAL_WEBHOOK_SECRET_FILE (${keys.approvalWebhookSecretFile}): cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  }
  return problems;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
