/**
 * End to end: a Rego policy calling every host builtin, compiled by `opa build -t wasm` under
 * regent's capabilities, evaluated by opa-wasm with createBuiltins(), must give what `opa eval`
 * gives for the same policy and input, including nanosecond timestamps beyond 2^53.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { BuiltinError, createBuiltins, type HostBuiltins } from '../../src/policy/builtins/index.ts';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { runOpa } from '../../src/policy/toolchain/opa-cli.ts';
import { canonicalJson, exactStringify } from './builtins-oracle.ts';
import { readTarGz } from './bundle-files.ts';

const POLICY = `# METADATA
# description: Calls every host builtin, so a wasm build can be compared with opa eval.
package builtins_e2e

# METADATA
# entrypoint: true
results := {
	"parse_rfc3339": json.marshal(time.parse_rfc3339_ns(input.ts)),
	"format_exact": time.format(time.parse_rfc3339_ns(input.ts)),
	"format_zone": time.format([time.parse_rfc3339_ns(input.ts), input.zone, "RFC1123"]),
	"format_input": time.format([input.ns, input.zone]),
	"parse_ns": json.marshal(time.parse_ns(input.layout, input.value)),
	"duration": json.marshal(time.parse_duration_ns(input.duration)),
	"date": time.date([input.ns, input.zone]),
	"clock": time.clock([input.ns, input.zone]),
	"weekday": time.weekday(input.ns),
	"add_date": json.marshal(time.add_date(input.ns_in_zone, 0, 1, 1)),
	"diff": time.diff(input.ns, [input.ns2, input.zone]),
	"units": json.marshal(units.parse(input.units)),
	"bytes": json.marshal(units.parse_bytes(input.bytes)),
	"prefix": strings.any_prefix_match(input.paths, ["/etc", "/root"]),
	"suffix": strings.any_suffix_match(input.paths, {".pem", ".key"}),
	"replace": regex.replace(input.text, input.pattern, input.template),
	"md5": crypto.md5(input.text),
	"sha1": crypto.sha1(input.text),
	"sha256": crypto.sha256(input.text),
	"hmac": [
		crypto.hmac.md5(input.text, input.key),
		crypto.hmac.sha1(input.text, input.key),
		crypto.hmac.sha256(input.text, input.key),
		crypto.hmac.sha512(input.text, input.key),
	],
	"hmac_equal": crypto.hmac.equal(crypto.hmac.sha256(input.text, input.key), input.mac),
	"uuid_parse": _parsed_uuid(input.uuid),
	"semver": semver.compare(input.v1, input.v2),
	"semver_valid": semver.is_valid(input.v1),
	"now_is_stable": time.now_ns() == time.now_ns(),
	"uuid_is_stable": uuid.rfc4122("k") == uuid.rfc4122("k"),
	"uuid_differs": uuid.rfc4122("k") != uuid.rfc4122("other"),
	"rand_is_stable": rand.intn("k", 1000000) == rand.intn("k", 1000000),
	"sdk_sprintf": sprintf("%s has %d paths", [input.text, count(input.paths)]),
}

# Each field marshalled on its own: big integers stay exact, and the wasm's json.marshal does not
# sort object keys as OPA's does.
_parsed_uuid(s) := {k: json.marshal(v) | some k, v in u} if {
	u := uuid.parse(s)
} else := "undefined"

# METADATA
# entrypoint: true
failing := time.parse_ns("2006-01-02", input.value)
`;

const INPUTS = [
  {
    ts: '2023-11-14T22:13:20.123456789Z',
    zone: 'America/New_York',
    ns: 1_700_000_000_123_456_789n,
    ns2: 1_709_208_000_987_654_321n,
    ns_in_zone: [1_709_967_600_000_000_000n, 'America/New_York'], // 2024-03-09T02:00 EST, DST starts the next day
    layout: 'Mon, 02 Jan 2006 15:04:05 -0700',
    value: 'Tue, 14 Nov 2023 17:13:20 -0500',
    duration: '1h30m0.5s',
    units: '1.5Gi',
    bytes: '10KB',
    paths: ['/etc/passwd', '/home/a/id.pem'],
    text: 'héllo wörld',
    pattern: '(\\w+)',
    template: '<$1>',
    key: 'secret',
    mac: '',
    uuid: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    v1: '1.2.3-rc.1',
    v2: '1.2.3',
  },
  {
    ts: '2024-02-29T23:59:59.999999999+05:30',
    zone: 'Asia/Kolkata',
    ns: 1_709_251_199_999_999_999n,
    ns2: 0,
    ns_in_zone: [1_706_702_400_000_000_000n, 'Asia/Kolkata'],
    layout: '2006-002',
    value: '2024-060',
    duration: '-2562047h47m16.854775808s',
    units: '1e20m',
    bytes: '16EiB',
    paths: '/srv/app',
    text: 'baaac',
    pattern: 'a*',
    template: 'x',
    key: '',
    mac: 'not a mac',
    uuid: 'not a uuid',
    v1: 'v2.0.0',
    v2: '10.0.0',
  },
  {
    ts: '1677-09-21T00:12:43.145224192Z',
    zone: 'Australia/Lord_Howe',
    ns: -9_223_372_036_854_775_808n,
    ns2: 9_223_372_036_854_775_807n,
    ns_in_zone: [1_700_000_000_000_000_000n, 'Australia/Lord_Howe'],
    layout: '2006-01-02 3:04PM MST',
    value: '2024-07-04 12:30AM PST',
    duration: '0',
    units: '12345678901234567890',
    bytes: '0.1kb',
    paths: ['/root/.ssh/id.key'],
    text: 'line1\nline2',
    pattern: '(?m)^(?P<word>line)',
    template: '${word}:',
    key: 'k'.repeat(200),
    mac: '',
    uuid: 'urn:uuid:000003e8-cfa1-21ed-8d00-acde48001122',
    v1: '1.0.0-alpha.1',
    v2: '1.0.0-alpha.beta',
  },
];

/** Evaluates the policy's `results` with opa eval for `input` (strict builtin errors). */
async function opaEval(dir: string, rule: string, input: unknown): Promise<{ value?: string; error?: string }> {
  await writeFile(path.join(dir, 'input.json'), exactStringify(input));
  const run = await runOpa(
    [
      'eval',
      '--strict-builtin-errors',
      '-f',
      'json',
      '-d',
      'policy.rego',
      '-i',
      'input.json',
      `data.builtins_e2e.${rule}`,
    ],
    { cwd: dir },
  );
  const out = JSON.parse(run.stdout) as {
    result?: { expressions: { value: unknown }[] }[];
    errors?: { message: string }[];
  };
  if (out.errors !== undefined) return { error: out.errors.map((e) => e.message).join('; ') };
  const value = out.result?.[0]?.expressions[0]?.value;
  return value === undefined ? {} : { value: canonicalJson(JSON.stringify(value)) };
}

/** Evaluates an entrypoint in the wasm with a ready JSON input, as regent's engine does. */
function wasmEval(policy: LoadedPolicy, host: HostBuiltins, entrypoint: string, input: unknown): unknown {
  host.beginEvaluation();
  const bytes = new TextEncoder().encode(exactStringify(input));
  const resultSet = policy.evaluate(bytes.buffer, entrypoint) as { result: unknown }[];
  return resultSet[0]?.result;
}

describe('host builtins in a wasm build agree with opa eval', () => {
  let dir: string;
  let wasm: Buffer;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-builtins-wasm-'));
    await writeFile(path.join(dir, 'policy.rego'), POLICY);
    await writeFile(path.join(dir, 'capabilities.json'), JSON.stringify(await buildCapabilities()));
    const run = await runOpa(
      ['build', '-t', 'wasm', '--capabilities', 'capabilities.json', '-o', 'bundle.tar.gz', 'policy.rego'],
      { cwd: dir },
    );
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const files = readTarGz(await readFile(path.join(dir, 'bundle.tar.gz')));
    wasm = files.get('policy.wasm') ?? Buffer.alloc(0);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(host: HostBuiltins): Promise<LoadedPolicy> {
    return loadPolicy(wasm, { initial: 5, maximum: 1000 }, host.functions);
  }

  for (const [i, input] of INPUTS.entries()) {
    it(`gives opa eval's results for input ${i + 1} (${input.zone}, ${input.ts})`, async () => {
      const host = createBuiltins({ localZone: 'UTC' });
      const policy = await load(host);
      const fromWasm = wasmEval(policy, host, 'builtins_e2e/results', input);
      const fromOpa = await opaEval(dir, 'results', input);
      assert.equal(fromOpa.error, undefined);
      assert.ok(fromOpa.value !== undefined && fromWasm !== undefined, 'results must be defined');
      assert.equal(canonicalJson(JSON.stringify(fromWasm)), fromOpa.value);
    });
  }

  it('keeps nanoseconds beyond 2^53 exact through the wasm in both directions', async () => {
    const host = createBuiltins({ localZone: 'UTC' });
    const result = wasmEval(await load(host), host, 'builtins_e2e/results', INPUTS[0]) as Record<string, unknown>;
    assert.equal(result['parse_rfc3339'], '1700000000123456789');
    assert.equal(result['format_exact'], '2023-11-14T22:13:20.123456789Z');
    assert.equal(result['format_input'], '2023-11-14T17:13:20.123456789-05:00');
  });

  it('would round those nanoseconds without exact argument decoding (why the JSON.parse hook exists)', async () => {
    const host = createBuiltins({ localZone: 'UTC', exactIntegerArguments: false });
    const result = wasmEval(await load(host), host, 'builtins_e2e/results', INPUTS[0]) as Record<string, unknown>;
    assert.notEqual(result['format_exact'], '2023-11-14T22:13:20.123456789Z');
  });

  it('leaves JSON.parse as it found it after an evaluation', async () => {
    const original = JSON.parse;
    const host = createBuiltins({ localZone: 'UTC' });
    wasmEval(await load(host), host, 'builtins_e2e/results', INPUTS[1]);
    assert.equal(JSON.parse, original);
  });

  it("throws a BuiltinError carrying OPA's message when a builtin fails, where opa eval errors", async () => {
    const host = createBuiltins({ localZone: 'UTC' });
    const policy = await load(host);
    const input = { value: '2024-13-01' };
    const fromOpa = await opaEval(dir, 'failing', input);
    assert.ok(fromOpa.error !== undefined);
    assert.throws(
      () => wasmEval(policy, host, 'builtins_e2e/failing', input),
      (err: unknown) => err instanceof BuiltinError && fromOpa.error?.includes(err.message) === true,
    );
  });
});
