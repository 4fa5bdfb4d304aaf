/**
 * Cost of the duplicate-key scan (src/http/middleware/duplicate-keys.ts) beside JSON.parse, on a
 * typical decision body and on a ~1 MB one, both from the raw bytes as the body parser sees them.
 * Usage: node bench/duplicate-keys.ts
 */
import { findDuplicateKey } from '../src/http/middleware/duplicate-keys.ts';

const decision = {
  agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice', clearance: 'confidential' } },
  action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#hr' } },
  data_flow: {
    sources: [{ system: 'workday', labels: ['pii'], classification: 'restricted' }],
    destination: { system: 'slack', audience: 'team' },
  },
  session: { id: 'sess-7f3a' },
  payload: {
    text: 'Quarterly review for Bob: "meets expectations", salary band {B3}.',
    employees: [{ name: 'Bob', id: 42 }],
  },
};
const employees = Array.from({ length: 4000 }, (_, i) => ({
  id: i,
  name: `Employee "${i}"`,
  email: `e${i}@acme.io`,
  notes: 'Lorem ipsum dolor sit amet, {consectetur} [adipiscing] elit, \\ sed do eiusmod tempor.',
  tags: ['a', 'b', 'c'],
}));
const bodies = {
  typical: Buffer.from(JSON.stringify(decision)),
  '1MB': Buffer.from(JSON.stringify({ ...decision, payload: { employees } })),
};

function perCall(fn: () => unknown, ms = 1000): number {
  for (let i = 0; i < 50; i++) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    n++;
  }
  return ((performance.now() - start) * 1000) / n;
}

for (const [name, buf] of Object.entries(bodies)) {
  const scan = perCall(() => findDuplicateKey(buf.toString('utf8'), 64));
  const parse = perCall(() => JSON.parse(buf.toString('utf8')));
  console.log(
    `${name} (${buf.length} bytes): decode+scan ${scan.toFixed(1)} us, decode+JSON.parse ${parse.toFixed(1)} us (${((100 * scan) / parse).toFixed(0)}%)`,
  );
}
