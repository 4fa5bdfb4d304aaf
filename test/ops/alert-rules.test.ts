/**
 * The shipped Prometheus recording and alerting rules load in the real promtool, every alert has
 * a `promtool test rules` case that passes, and every metric they use is one regent exposes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createLifecycleMetrics } from '../../src/observability/lifecycle-metrics.ts';
import { createAuditCommitMetrics } from '../../src/audit/commit-metrics.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';

const DIR = path.join(REPO_ROOT, 'ops/prometheus');
const RULES = ['regent-rules.yml', 'regent-alerts.yml'].map((f) => path.join(DIR, f));
const TESTS = path.join(DIR, 'regent-alerts.test.yml');

function promtool(args: string[]): { status: number | null; out: string } {
  const run = spawnSync('promtool', args, { encoding: 'utf8', cwd: DIR });
  assert.equal(run.error, undefined, `promtool must be installed: ${String(run.error)}`);
  return { status: run.status, out: run.stdout + run.stderr };
}

describe('ops/prometheus rules', () => {
  it('pass promtool check rules', () => {
    const check = promtool(['check', 'rules', ...RULES]);
    assert.equal(check.status, 0, check.out);
    assert.match(check.out, /SUCCESS: \d+ rules found/);
  });

  it('pass their promtool unit tests', () => {
    const test = promtool(['test', 'rules', TESTS]);
    assert.equal(test.status, 0, test.out);
    assert.match(test.out, /SUCCESS/);
  });

  it('have a firing unit test for every alert', async () => {
    const alerts = [...(await readFile(RULES[1]!, 'utf8')).matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const tests = await readFile(TESTS, 'utf8');
    for (const alert of alerts) {
      assert.match(
        tests,
        new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`),
        `no firing test for ${alert}`,
      );
    }
  });

  it('use only metrics regent exposes', async () => {
    const text = (await Promise.all(RULES.map((f) => readFile(f, 'utf8')))).join('\n');
    const used = new Set(text.match(/\bregent_[a-z_]+/g) ?? []);
    const metrics = createMetrics({ defaultMetrics: false });
    createLifecycleMetrics(metrics.registry);
    createAuditCommitMetrics(metrics.registry);
    const exposed = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    const base = (name: string) => name.replace(/_(bucket|count|sum)$/, '');
    for (const name of used) assert.ok(exposed.includes(base(name)), `${name} is not a regent metric`);
    for (const name of [
      'regent_decisions_total',
      'regent_policy_evaluation_errors_total',
      'regent_fail_closed_total',
      'regent_bundle_loads_total',
      'regent_auth_failures_total',
      'regent_bundle_verification_failures_total',
      'regent_policy_revision_info',
      'regent_decision_duration_seconds_bucket',
    ]) {
      assert.ok(used.has(name), `no rule uses ${name}`);
    }
  });
});
