/**
 * Which actions count as restricted reads in the activity windows: judged as the shipped policy
 * judges it, from declared classifications, label classifications and system defaults in the
 * policy's own data.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isRestrictedRead } from '../../src/decision/build-input.ts';
import type { DecisionRequest } from '../../src/decision/decision-request.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';

const config = JSON.parse(await readFile(path.join(REPO_ROOT, 'rego/regent/config/data.json'), 'utf8')) as unknown;
const data = { regent: { config } };
const read = (
  resource: NonNullable<DecisionRequest['action']['resource']>,
  extra: Partial<DecisionRequest> = {},
): DecisionRequest => ({
  agent: { id: 'hr-assistant' },
  action: { tool: 'workday.read_employee', kind: 'read', resource },
  ...extra,
});

describe('isRestrictedRead', () => {
  const cases = [
    {
      note: 'a read declared restricted',
      request: read({ system: 'gdrive', classification: 'restricted' }),
      want: true,
    },
    {
      note: 'a confidential read of a restricted label (compensation)',
      request: read({ system: 'gdrive', classification: 'confidential', labels: ['compensation'] }),
      want: true,
    },
    {
      note: 'a read from a system whose default is restricted (vault)',
      request: read({ system: 'vault' }),
      want: true,
    },
    {
      note: 'a read whose source is restricted',
      request: read({ system: 'gdrive' }, { data_flow: { sources: [{ system: 'x', classification: 'restricted' }] } }),
      want: true,
    },
    {
      note: 'a read of an unknown classification (counted, the safe direction)',
      request: read({ system: 'gdrive', classification: 'top-secret' }),
      want: true,
    },
    {
      note: 'a confidential read of personal data',
      request: read({ system: 'workday', classification: 'confidential', labels: ['pii'] }),
      want: false,
    },
    {
      note: 'an internal read from Drive',
      request: read({ system: 'gdrive', classification: 'internal' }),
      want: false,
    },
    {
      note: 'a send, whatever it carries',
      request: {
        agent: { id: 'a' },
        action: { tool: 't', kind: 'send', resource: { classification: 'restricted' } },
      } as DecisionRequest,
      want: false,
    },
  ];
  for (const c of cases) {
    it(`${c.want ? 'counts' : 'does not count'} ${c.note}`, () => {
      assert.equal(isRestrictedRead(c.request, data), c.want);
    });
  }
});
