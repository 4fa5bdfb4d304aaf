/**
 * The trust rule as a table: for each fact that can let data out, what the caller declares may
 * only make the decision stricter. Runs on the shipped catalogue (rego/regent/config/data.json).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { catalogueOf } from '../../src/catalogue/catalogue.ts';
import { directoryClearance, resolveRequest } from '../../src/catalogue/resolve.ts';
import type { DecisionRequest } from '../../src/decision/decision-request.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';

const config: unknown = JSON.parse(readFileSync(path.join(REPO_ROOT, 'rego/regent/config/data.json'), 'utf8'));
const catalogue = catalogueOf({ regent: { config } });

const send = (
  destination: NonNullable<NonNullable<DecisionRequest['data_flow']>['destination']>,
  id?: string,
): DecisionRequest => ({
  agent: { id: 'hr-assistant' },
  action: {
    tool: destination.system === 'email' ? 'email.send' : 'slack.post_message',
    kind: 'send',
    ...(id === undefined ? {} : { resource: { system: destination.system ?? 'slack', id } }),
  },
  data_flow: { destination },
});

describe('the trust rule (src/catalogue/resolve.ts)', () => {
  const audienceCases = [
    {
      note: 'a listed channel takes the directory audience',
      req: send({ system: 'slack' }, '#general'),
      want: 'all_employees',
    },
    {
      note: 'a wider declared audience does not count',
      req: send({ system: 'slack', audience: 'individual' }, '#general'),
      want: 'all_employees',
    },
    {
      note: 'a narrower declared audience counts',
      req: send({ system: 'slack', audience: 'public' }, '#general'),
      want: 'public',
    },
    {
      note: 'an unlisted channel is public',
      req: send({ system: 'slack', audience: 'team' }, '#leak'),
      want: 'public',
    },
    {
      note: 'a destination with no id is public',
      req: send({ system: 'slack', audience: 'individual' }),
      want: 'public',
    },
    {
      note: 'an unknown declared audience is kept so the policy denies it by name',
      req: send({ system: 'slack', audience: 'martians' }, '#general'),
      want: 'martians',
    },
  ];
  for (const c of audienceCases) {
    it(`audience: ${c.note}`, () => {
      assert.equal(resolveRequest(c.req, catalogue, {}).request.data_flow?.destination?.audience, c.want);
    });
  }

  const recipientCases = [
    { note: 'a directory user by id', id: 'alice', declared: 'restricted', want: 'restricted' },
    { note: 'a directory user by e-mail', id: 'Alice@Example.com', declared: undefined, want: 'restricted' },
    { note: 'a declared clearance may only lower', id: 'alice', declared: 'internal', want: 'internal' },
    {
      note: 'an outside address is public whatever is declared',
      id: 'eve@rival.example',
      declared: 'restricted',
      want: 'public',
    },
    {
      note: 'an unknown internal address gets the internal clearance',
      id: 'new.hire@example.com',
      declared: 'restricted',
      want: 'internal',
    },
  ];
  for (const c of recipientCases) {
    it(`recipient: ${c.note}`, () => {
      const recipient = c.declared === undefined ? { id: c.id } : { id: c.id, clearance: c.declared };
      const resolved = resolveRequest(send({ system: 'email', recipients: [recipient] }), catalogue, {}).request;
      assert.equal(resolved.data_flow?.destination?.recipients?.[0]?.clearance, c.want);
      assert.equal(resolved.data_flow?.destination?.audience, undefined, 'e-mail is judged by its recipients');
    });
  }

  it('principal: the directory caps a declared clearance; groups count only from a verified token', () => {
    const req: DecisionRequest = {
      agent: { id: 'hr-assistant', on_behalf_of: { id: 'bob', groups: ['hr'], clearance: 'restricted' } },
      action: { tool: 'workday.read_employee', kind: 'read' },
    };
    assert.equal(resolveRequest(req, catalogue, {}).request.agent.on_behalf_of?.clearance, 'confidential');
    assert.equal(
      resolveRequest(req, catalogue, { principalVerified: true }).request.agent.on_behalf_of?.clearance,
      'restricted',
      'a verified token naming group hr grants hr clearance',
    );
    assert.equal(directoryClearance(catalogue, 'stranger').clearance, 'public');
  });

  it('resource: a read carries what its tool returns and what the resource was tainted with', () => {
    const req: DecisionRequest = {
      agent: { id: 'hr-assistant' },
      action: {
        tool: 'workday.read_employee',
        kind: 'read',
        resource: { system: 'workday', id: 'emp-1', classification: 'public' },
      },
    };
    const plain = resolveRequest(req, catalogue, {}).request.action.resource;
    assert.deepEqual(plain?.labels, ['compensation', 'pii']);
    assert.equal(plain?.classification, 'restricted', 'a declared lower classification does not count');
    const doc: DecisionRequest = {
      agent: { id: 'hr-assistant' },
      action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'd' } },
    };
    const tainted = resolveRequest(doc, catalogue, {
      taint: { labels: ['health'], classification: 'restricted' },
    }).request;
    assert.deepEqual(tainted.action.resource?.labels, ['health']);
    assert.equal(tainted.action.resource?.classification, 'restricted');
  });

  it('a declared source classification is joined with its system default', () => {
    const req: DecisionRequest = {
      agent: { id: 'sales-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#sales' } },
      data_flow: { sources: [{ system: 'salesforce', classification: 'public' }] },
    };
    assert.equal(resolveRequest(req, catalogue, {}).request.data_flow?.sources?.[0]?.classification, 'confidential');
  });
});
