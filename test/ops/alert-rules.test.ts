/**
 * The shipped Prometheus alerting rules load in the real promtool, and every metric they use is
 * one regent actually exposes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createMetrics } from '../../src/observability/metrics.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';

const RULES = path.join(REPO_ROOT, 'ops/prometheus/regent-alerts.yml');

describe('ops/prometheus/regent-alerts.yml', () => {
  it('passes promtool check rules', () => {
    const check = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    assert.equal(check.error, undefined, `promtool must be installed: ${String(check.error)}`);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: \d+ rules found/);
  });

  it('uses only metrics regent exposes', async () => {
    const rules = await readFile(RULES, 'utf8');
    const used = new Set(rules.match(/regent_[a-z_]+/g) ?? []);
    const exposed = (await createMetrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map((m) => m.name);
    for (const name of used) assert.ok(exposed.includes(name), `${name} is not a regent metric`);
    for (const name of [
      'regent_decisions_total',
      'regent_policy_evaluation_errors_total',
      'regent_fail_closed_total',
      'regent_bundle_loads_total',
    ]) {
      assert.ok(used.has(name), `no alert uses ${name}`);
    }
  });
});
