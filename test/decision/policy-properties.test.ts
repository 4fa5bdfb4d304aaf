/**
 * Properties of the shipped policy, checked with fast-check on the real compiled wasm: adding a
 * label (to a source, the read resource or the session's history) never makes a decision less
 * restrictive (allow < redact < deny), so no label can turn a deny into an allow.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { WasmEngine, jsonToInputBuffer } from '../../src/policy/wasm-engine.ts';
import { regoBundle } from '../support/bundles.ts';

const config = JSON.parse(await readFile(path.join(REPO_ROOT, 'rego/regent/config/data.json'), 'utf8')) as {
  agents: Record<string, unknown>;
  tools: Record<string, { system: string; kinds: string[] }>;
  labels: Record<string, unknown>;
  classifications: Record<string, number>;
  audiences: Record<string, unknown>;
  systems: Record<string, unknown>;
};
const RANK = { allow: 0, redact: 1, deny: 2 } as const;

const labelArb = fc.constantFrom(...Object.keys(config.labels));
const classArb = fc.constantFrom(...Object.keys(config.classifications));
const systemArb = fc.constantFrom(...Object.keys(config.systems));
const toolArb = fc.constantFrom(...Object.keys(config.tools));

/** A random but well-formed policy input over the shipped configuration. */
const inputArb = fc
  .record({
    agent: fc.constantFrom(...Object.keys(config.agents)),
    tool: toolArb,
    clearance: fc.option(classArb, { nil: undefined }),
    resourceLabels: fc.uniqueArray(labelArb, { maxLength: 2 }),
    resourceClass: classArb,
    sources: fc.array(
      fc.record({ system: systemArb, labels: fc.uniqueArray(labelArb, { maxLength: 2 }), classification: classArb }),
      { maxLength: 2 },
    ),
    audience: fc.constantFrom(...Object.keys(config.audiences)),
    sessionLabels: fc.option(fc.uniqueArray(labelArb, { maxLength: 2 }), { nil: undefined }),
    salary: fc.boolean(),
  })
  .map((r) => {
    const tool = config.tools[r.tool]!;
    const input: Record<string, any> = {
      agent: {
        id: r.agent,
        ...(r.clearance === undefined ? {} : { on_behalf_of: { id: 'u', clearance: r.clearance } }),
      },
      action: {
        tool: r.tool,
        kind: tool.kinds[0],
        resource: { system: tool.system, id: 'x', labels: r.resourceLabels, classification: r.resourceClass },
      },
      data_flow: { sources: r.sources, destination: { system: tool.system, audience: r.audience } },
      payload: r.salary ? { salary: 1, text: 'hello' } : { text: 'hello' },
      detected: [],
      context: {},
    };
    if (r.sessionLabels !== undefined)
      input['session'] = {
        id: 's',
        labels: r.sessionLabels,
        systems: [],
        classification: null,
        steps: 1,
        first_seen: null,
        last_seen: null,
      };
    return input;
  });

/** Where an extra label can be added. */
const placeArb = fc.constantFrom('resource', 'source', 'session');

describe('the shipped policy under random inputs', () => {
  let engine: WasmEngine;
  before(async () => {
    const bundle = await readBundle((await regoBundle()).bytes);
    engine = await WasmEngine.load(bundle, { maxMemoryPages: 1024, builtins: createBuiltins() });
  });
  const decide = (input: unknown) =>
    (engine.evaluate('regent/decision', jsonToInputBuffer(JSON.stringify(input))) as { decision: keyof typeof RANK })
      .decision;

  it('never becomes less restrictive when a label is added anywhere', () => {
    let denials = 0;
    fc.assert(
      fc.property(inputArb, labelArb, placeArb, (input, label, place) => {
        const before = decide(input);
        const more = structuredClone(input);
        if (place === 'resource') more.action.resource.labels = [...new Set([...more.action.resource.labels, label])];
        else if (place === 'source')
          more.data_flow.sources = [
            ...more.data_flow.sources,
            { system: 'workday', labels: [label], classification: 'public' },
          ];
        else
          more.session = {
            id: 's',
            labels: [...new Set([...(more.session?.labels ?? []), label])],
            systems: [],
            classification: null,
            steps: 1,
            first_seen: null,
            last_seen: null,
          };
        const after = decide(more);
        if (before === 'deny') denials++;
        assert.ok(RANK[after] >= RANK[before], `${before} became ${after} after adding ${label} to the ${place}`);
      }),
      { numRuns: 400, seed: 20261123 },
    );
    assert.ok(denials > 20, `the generator exercised denials (${denials})`);
  });

  it('is total: every well-formed input gets a contract-shaped decision', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = engine.evaluate('regent/decision', jsonToInputBuffer(JSON.stringify(input))) as {
          decision: string;
          reasons: unknown[];
        };
        assert.ok(['allow', 'deny', 'redact'].includes(out.decision));
        if (out.decision === 'deny') assert.ok(out.reasons.length > 0);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
