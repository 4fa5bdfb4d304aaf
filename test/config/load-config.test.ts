/**
 * Configuration: defaults, then a JSON file (REGENT_CONFIG), then REGENT_* environment variables;
 * every bad key is reported at once, and the result is frozen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_KEYS } from '../../src/config/config-keys.ts';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';

const files = (content: Record<string, string>) => (p: string) => {
  const text = content[p];
  if (text === undefined) throw new Error(`ENOENT: ${p}`);
  return text;
};

describe('loadConfig', () => {
  it('starts from the documented defaults and binds to loopback', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8181);
    for (const key of CONFIG_KEYS)
      assert.equal((config as unknown as Record<string, unknown>)[key.name], key.default, key.name);
    assert.ok(Object.isFrozen(config));
  });

  it('lets the environment override the file, and the file override the defaults', () => {
    const config = loadConfig(
      { REGENT_CONFIG: '/etc/regent.json', REGENT_PORT: '9000', REGENT_DECISION_LOG: 'false' },
      files({ '/etc/regent.json': JSON.stringify({ port: 8282, logLevel: 'debug', maxBodyBytes: 4096 }) }),
    );
    assert.equal(config.port, 9000);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.maxBodyBytes, 4096);
    assert.equal(config.decisionLog, false);
  });

  const bad = [
    { note: 'a port that is not a number', env: { REGENT_PORT: 'eighty' }, mention: 'REGENT_PORT' },
    { note: 'a port out of range', env: { REGENT_PORT: '70000' }, mention: 'REGENT_PORT' },
    { note: 'a boolean that is not one', env: { REGENT_DECISION_LOG: 'maybe' }, mention: 'REGENT_DECISION_LOG' },
    { note: 'an unknown log level', env: { REGENT_LOG_LEVEL: 'chatty' }, mention: 'REGENT_LOG_LEVEL' },
    { note: 'a misspelt setting', env: { REGENT_PROT: '1' }, mention: 'REGENT_PROT' },
  ];
  for (const c of bad) {
    it(`rejects ${c.note}, naming it`, () => {
      assert.throws(
        () => loadConfig(c.env),
        (err: unknown) => err instanceof ConfigError && err.message.includes(c.mention),
      );
    });
  }

  it('reports every bad key at once, from the file and the environment', () => {
    try {
      loadConfig(
        { REGENT_CONFIG: '/c.json', REGENT_PORT: 'x', REGENT_LOG_LEVEL: 'loud' },
        files({ '/c.json': JSON.stringify({ maxBodyBytes: 'big', nope: 1 }) }),
      );
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 4, err.message);
      for (const m of ['REGENT_PORT', 'REGENT_LOG_LEVEL', 'maxBodyBytes', 'nope'])
        assert.match(err.message, new RegExp(m));
    }
  });

  it('reports a config file that cannot be read or is not an object', () => {
    assert.throws(() => loadConfig({ REGENT_CONFIG: '/missing.json' }, files({})), /cannot read JSON/);
    assert.throws(
      () => loadConfig({ REGENT_CONFIG: '/a.json' }, files({ '/a.json': '[1]' })),
      /must hold a JSON object/,
    );
  });

  it('documents every key with an environment name, a doc line and an example', () => {
    const envs = new Set<string>();
    for (const key of CONFIG_KEYS) {
      assert.match(key.env, /^REGENT_[A-Z0-9_]+$/);
      assert.ok(!envs.has(key.env), `duplicate ${key.env}`);
      envs.add(key.env);
      assert.ok(key.doc.length > 10, key.name);
      assert.ok(key.example.length > 0, key.name);
    }
  });
});
