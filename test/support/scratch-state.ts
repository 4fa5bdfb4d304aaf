/**
 * Where a test's regent keeps what it writes. regent's defaults are relative to its working
 * directory (`var/audit/trail.jsonl`, `var/approvals/approvals.jsonl`, `var/policies`,
 * `var/directory/scim.json`), which for every test is the repository: two test files running at
 * once would then share one approval file, one overlay and one trail. Every helper that starts
 * a regent puts them in the test's own temporary directory instead; a test's own settings win.
 */
import path from 'node:path';
import type { Config } from '../../src/config/load-config.ts';

/** The writable paths of a regent confined to `dir`, as configuration keys. */
export function scratchState(
  dir: string,
): Pick<Config, 'auditPath' | 'approvalsPath' | 'policyOverlayDir' | 'directoryPath'> {
  return {
    auditPath: path.join(dir, 'trail.jsonl'),
    approvalsPath: path.join(dir, 'approvals', 'approvals.jsonl'),
    policyOverlayDir: path.join(dir, 'policies'),
    directoryPath: path.join(dir, 'directory', 'scim.json'),
  };
}

/** The same paths as the environment variables a regent process reads. */
export function scratchEnv(dir: string): Record<string, string> {
  const s = scratchState(dir);
  return {
    REGENT_AUDIT_PATH: s.auditPath,
    REGENT_APPROVALS_PATH: s.approvalsPath,
    REGENT_POLICY_OVERLAY_DIR: s.policyOverlayDir,
    REGENT_DIRECTORY_PATH: s.directoryPath,
  };
}
