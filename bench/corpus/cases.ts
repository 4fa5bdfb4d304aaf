/**
 * The benchmark's decision requests: the README's three examples (EXAMPLES in
 * test/fixtures/examples.ts) plus variations an agent deployment sends all day: other
 * agents and tools, audiences and recipients, detector findings, payloads from a few bytes to
 * tens of kilobytes. Sessions are left out on purpose: a session's state changes with every
 * decision, so a looped corpus would make regent evaluate inputs OPA never sees.
 */
import type { DecisionRequest } from '../../src/decision/decision-request.ts';
import { EXAMPLES } from '../../test/fixtures/examples.ts';

/** One benchmark request with a note saying what it stands for. */
export interface BenchCase {
  note: string;
  request: DecisionRequest;
}

const alice = { id: 'alice', groups: ['hr'], clearance: 'restricted' };
const bob = { id: 'bob', groups: ['eng'], clearance: 'internal' };

const employees = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `Employee ${i}`,
    title: ['Engineer', 'Designer', 'Analyst', 'Manager'][i % 4],
    team: `team-${i % 7}`,
    salary: 100_000 + i * 1_000,
    ...(i % 2 === 0 ? { home_address: `${i} Main St` } : {}),
  }));

const prose = (sentences: number) =>
  Array.from(
    { length: sentences },
    (_, i) => `Item ${i}: the quarterly plan keeps the rollout on schedule and the dashboards green.`,
  ).join(' ');

const ghToken = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const privateKey = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu',
  'KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

/** The README's examples: the same bodies the tests and the README use. */
const README: BenchCase[] = [
  {
    note: 'README allow: HR assistant reads a restricted record for a cleared user (restricted read)',
    request: EXAMPLES.allow as DecisionRequest,
  },
  {
    note: 'README deny: restricted compensation posted to a company-wide channel',
    request: EXAMPLES.deny as DecisionRequest,
  },
  {
    note: 'README redact: staff list to all employees without salaries and home addresses',
    request: EXAMPLES.redact as DecisionRequest,
  },
];

const ALLOW: BenchCase[] = [
  {
    note: 'HR assistant reads a confidential performance record for a cleared user',
    request: {
      agent: { id: 'hr-assistant', on_behalf_of: alice },
      action: {
        tool: 'workday.read_employee',
        kind: 'read',
        resource: { system: 'workday', id: 'emp-7', labels: ['pii', 'performance'], classification: 'confidential' },
      },
    },
  },
  {
    note: 'HR assistant reads an internal handbook from Drive',
    request: {
      agent: { id: 'hr-assistant', on_behalf_of: alice },
      action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'handbook.pdf' } },
    },
  },
  {
    note: 'Sales assistant reads one account',
    request: {
      agent: { id: 'sales-assistant' },
      action: {
        tool: 'salesforce.read_account',
        kind: 'read',
        resource: { system: 'salesforce', id: 'acme', labels: ['customer:acme'], classification: 'confidential' },
      },
    },
  },
  {
    note: 'Engineering assistant reads a source file',
    request: {
      agent: { id: 'eng-assistant', on_behalf_of: bob },
      action: {
        tool: 'github.read_file',
        kind: 'read',
        resource: { system: 'github', id: 'regent/src/main.ts', labels: ['source_code'] },
      },
    },
  },
  {
    note: 'Engineering assistant posts a code excerpt to its team channel',
    request: {
      agent: { id: 'eng-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#eng' } },
      data_flow: {
        sources: [{ system: 'github', labels: ['source_code'] }],
        destination: { system: 'slack', audience: 'team' },
      },
      payload: { text: `Flaky test in the audit suite. ${prose(6)}` },
    },
  },
  {
    note: 'HR assistant emails compensation to the one cleared person',
    request: {
      agent: { id: 'hr-assistant', on_behalf_of: alice },
      action: { tool: 'email.send', kind: 'send', resource: { system: 'email', id: 'alice@example.com' } },
      data_flow: {
        sources: [{ system: 'workday', labels: ['compensation'], classification: 'restricted' }],
        destination: { system: 'email', recipients: [{ id: 'alice', clearance: 'restricted' }] },
      },
      payload: { subject: 'Team compensation', text: 'Summary of compensation across the team.' },
    },
  },
  {
    note: 'Sales assistant posts an account brief to the account team',
    request: {
      agent: { id: 'sales-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#sales' } },
      data_flow: {
        sources: [{ system: 'salesforce', labels: ['customer:initech'], classification: 'confidential' }],
        destination: { system: 'slack', audience: 'team' },
      },
      payload: { text: prose(3) },
    },
  },
  {
    note: 'Engineering assistant stores a token in the secret store',
    request: {
      agent: { id: 'eng-assistant' },
      action: { tool: 'vault.write_secret', kind: 'write', resource: { system: 'vault', id: 'ci/github' } },
      data_flow: { destination: { system: 'vault', audience: 'individual' } },
      payload: { key: 'ci/github', value: ghToken },
    },
  },
  {
    note: 'Engineering assistant posts a release note to all employees',
    request: {
      agent: { id: 'eng-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      data_flow: {
        sources: [{ system: 'github', classification: 'internal' }],
        destination: { system: 'slack', audience: 'all_employees' },
      },
      payload: { text: prose(12) },
    },
  },
];

const DENY: BenchCase[] = [
  {
    note: 'Unknown agent',
    request: {
      agent: { id: 'mallory-bot' },
      action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-1' } },
    },
  },
  {
    note: 'Sales assistant uses an HR tool',
    request: {
      agent: { id: 'sales-assistant' },
      action: {
        tool: 'workday.read_employee',
        kind: 'read',
        resource: { system: 'workday', id: 'emp-9', classification: 'confidential' },
      },
    },
  },
  {
    note: 'A mail with no recipients: no audience regent can vouch for',
    request: {
      agent: { id: 'hr-assistant' },
      action: { tool: 'email.send', kind: 'send' },
      data_flow: { sources: [{ system: 'gdrive', classification: 'internal' }], destination: { system: 'email' } },
      payload: { text: 'See the attached handbook.' },
    },
  },
  {
    note: 'Acting for a user not cleared for what the read touches',
    request: {
      agent: { id: 'hr-assistant', on_behalf_of: bob },
      action: {
        tool: 'workday.read_employee',
        kind: 'read',
        resource: { system: 'workday', id: 'emp-3', labels: ['pii', 'performance'], classification: 'confidential' },
      },
    },
  },
  {
    note: 'A private key pasted into a company-wide channel',
    request: {
      agent: { id: 'eng-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      data_flow: {
        sources: [{ system: 'github', classification: 'internal' }],
        destination: { system: 'slack', audience: 'all_employees' },
      },
      payload: { text: `here is the deploy key\n${privateKey}` },
    },
  },
  {
    note: 'Restricted payroll export mailed to all employees, many recipients',
    request: {
      agent: { id: 'hr-assistant' },
      action: { tool: 'email.send', kind: 'send' },
      data_flow: {
        sources: [{ system: 'workday', labels: ['compensation', 'pii'], classification: 'restricted' }],
        destination: {
          system: 'email',
          audience: 'all_employees',
          recipients: Array.from({ length: 25 }, (_, i) => ({ id: `user-${i}`, clearance: 'internal' })),
        },
      },
      payload: { employees: employees(20) },
    },
  },
];

const REDACT: BenchCase[] = [
  {
    note: 'A GitHub token in a message to all employees',
    request: {
      agent: { id: 'eng-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      data_flow: {
        sources: [{ system: 'github', classification: 'internal' }],
        destination: { system: 'slack', audience: 'all_employees' },
      },
      payload: { text: `deploy with ${ghToken} please` },
    },
  },
  {
    note: 'Staff list of 10 to all employees',
    request: {
      agent: { id: 'hr-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      data_flow: {
        sources: [{ system: 'workday', labels: ['pii', 'compensation'], classification: 'internal' }],
        destination: { system: 'slack', audience: 'all_employees' },
      },
      payload: { employees: employees(10) },
    },
  },
  {
    note: 'Staff list of 100 to all employees (about 10 KB)',
    request: {
      agent: { id: 'hr-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      data_flow: {
        sources: [{ system: 'workday', labels: ['pii', 'compensation'], classification: 'internal' }],
        destination: { system: 'slack', audience: 'all_employees' },
      },
      payload: { employees: employees(100) },
    },
  },
  {
    note: 'Contact details found in free text sent to all employees',
    request: {
      agent: { id: 'hr-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      data_flow: {
        sources: [{ system: 'gdrive', classification: 'internal' }],
        destination: { system: 'slack', audience: 'all_employees' },
      },
      payload: {
        subject: 'New starters',
        text: `${prose(4)} Reach Dana at dana.k@example.com or +1 415 555 0199 before Monday.`,
      },
    },
  },
];

/** Every case, in the order the load generator cycles through them. */
export const CASES: readonly BenchCase[] = [...README, ...ALLOW, ...DENY, ...REDACT];
