/**
 * The capabilities document against the real toolchain: `opa build -t wasm --capabilities`
 * rejects a policy that calls a builtin the runtime cannot run, naming it, builds one that does
 * not, and every builtin it admits is one the wasm, the SDK or the host actually implements.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IMPLEMENTED_BUILTINS } from '../../src/policy/builtins/index.ts';
import {
  buildCapabilities,
  currentCapabilities,
  readSdkCapabilities,
  sdkCapabilitiesPath,
  type CapabilitiesDocument,
  WASM_NATIVE_BUILTINS,
} from '../../src/policy/capabilities.ts';
import { runOpa } from '../../src/policy/toolchain/opa-cli.ts';
import { readTarGz } from './bundle-files.ts';

/** The slice of the WebAssembly API this test uses (tsconfig's lib has no WebAssembly types). */
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Module: { imports(module: object): { name: string; kind: string }[] };
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: Record<string, unknown> }>;
}

const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The builtins a compiled policy imports from its host (the wasm's `builtins()` export). */
async function hostImportedBuiltins(wasm: Buffer): Promise<string[]> {
  const memory = new wasmApi.Memory({ initial: 5 });
  const module = await wasmApi.compile(wasm);
  const env: Record<string, unknown> = { memory };
  for (const imp of wasmApi.Module.imports(module)) {
    if (imp.kind === 'function') {
      env[imp.name] = () => {
        throw new Error(`${imp.name} called`);
      };
    }
  }
  const instance = await wasmApi.instantiate(module, { env });
  const exports = instance.exports as { builtins: () => number; opa_json_dump: (addr: number) => number };
  const at = exports.opa_json_dump(exports.builtins());
  const bytes = new Uint8Array(memory.buffer);
  let end = at;
  while (bytes[end] !== 0) end++;
  return Object.keys(JSON.parse(Buffer.from(bytes.subarray(at, end)).toString('utf8')) as Record<string, number>);
}

/** Names of the builtins the SDK implements in JavaScript (read from its installed source). */
function sdkJavaScriptBuiltins(): string[] {
  const builtinsIndex = path.join(path.dirname(sdkCapabilitiesPath()), 'src/builtins/index.js');
  return Object.keys(createRequire(import.meta.url)(builtinsIndex) as Record<string, unknown>);
}

describe('buildCapabilities', () => {
  let caps: CapabilitiesDocument;
  let current: CapabilitiesDocument;
  let sdk: CapabilitiesDocument;
  before(async () => {
    [caps, current, sdk] = await Promise.all([buildCapabilities(), currentCapabilities(), readSdkCapabilities()]);
  });

  it("admits opa-wasm's builtins and exactly the host-implemented ones", () => {
    const want = new Set([...sdk.builtins.map((b) => b.name), ...WASM_NATIVE_BUILTINS, ...IMPLEMENTED_BUILTINS]);
    assert.deepEqual(caps.builtins.map((b) => b.name).sort(), [...want].sort());
  });

  it('admits none of the builtins the runtime lacks', () => {
    const names = new Set(caps.builtins.map((b) => b.name));
    for (const missing of ['http.send', 'net.lookup_ip_addr', 'opa.runtime', 'graphql.parse']) {
      assert.equal(names.has(missing), false, missing);
    }
  });

  it('declares each builtin as the pinned opa does', () => {
    for (const b of caps.builtins)
      assert.deepEqual(
        b,
        current.builtins.find((c) => c.name === b.name),
      );
  });

  it('copies the language features opa build needs for Rego v1, and the SDK ABI versions', () => {
    assert.deepEqual(caps['features'], current['features']);
    assert.ok((caps['features'] as string[]).includes('rego_v1'));
    assert.deepEqual(caps['future_keywords'], current['future_keywords']);
    assert.deepEqual(caps['wasm_abi_versions'], sdk['wasm_abi_versions']);
  });
});

describe('opa build -t wasm --capabilities', () => {
  let dir: string;
  let capsFile: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-capabilities-'));
    capsFile = path.join(dir, 'capabilities.json');
    await writeFile(capsFile, JSON.stringify(await buildCapabilities()));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function policyDir(name: string, files: Record<string, string>): Promise<string> {
    const src = path.join(dir, name);
    await mkdir(src, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(src, file), text);
    return src;
  }

  const UNSUPPORTED = [
    'package unsupported',
    '',
    'resp := http.send({"method": "get", "url": "https://example.com"})',
    '',
    'claims := net.lookup_ip_addr(input.host)',
    '',
  ].join('\n');

  it('rejects a policy calling http.send or net.lookup_ip_addr, naming each at file:row', async () => {
    const src = await policyDir('unsupported', { 'policy.rego': UNSUPPORTED });
    const run = await runOpa([
      'build',
      '-t',
      'wasm',
      '--capabilities',
      capsFile,
      '-e',
      'unsupported',
      '-o',
      path.join(dir, 'u.tar.gz'),
      src,
    ]);
    assert.notEqual(run.code, 0);
    const out = run.stdout + run.stderr;
    assert.match(out, /policy\.rego:3: rego_type_error: undefined function http\.send/);
    assert.match(out, /policy\.rego:5: rego_type_error: undefined function net\.lookup_ip_addr/);
  });

  it('locates each unsupported call at file:row:col with opa check -f json (as the bundle build reports it)', async () => {
    const src = await policyDir('unsupported-check', { 'policy.rego': UNSUPPORTED });
    const run = await runOpa(['check', '-f', 'json', '--capabilities', capsFile, src]);
    assert.notEqual(run.code, 0);
    const report = JSON.parse(run.stderr + run.stdout) as {
      errors: { message: string; location: { file: string; row: number; col: number } }[];
    };
    const found = report.errors
      .map((e) => `${path.basename(e.location.file)}:${e.location.row}:${e.location.col}: ${e.message}`)
      .sort();
    assert.deepEqual(found, [
      'policy.rego:3:9: undefined function http.send',
      'policy.rego:5:11: undefined function net.lookup_ip_addr',
    ]);
  });

  it('builds a policy that uses wasm, SDK and host builtins', async () => {
    const src = await policyDir('supported', {
      'policy.rego': [
        'package supported',
        '',
        'result := {',
        '\t"count": count(input.items),',
        '\t"sprintf": sprintf("%d items", [count(input.items)]),',
        '\t"time": time.format(time.now_ns()),',
        '\t"units": units.parse_bytes("10KiB"),',
        '\t"hmac": crypto.hmac.sha256("m", "k"),',
        '\t"semver": semver.compare("1.0.0", "1.0.1"),',
        '}',
        '',
      ].join('\n'),
    });
    const out = path.join(dir, 'supported.tar.gz');
    const run = await runOpa([
      'build',
      '-t',
      'wasm',
      '--capabilities',
      capsFile,
      '-e',
      'supported/result',
      '-o',
      out,
      src,
    ]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const files = readTarGz(await readFile(out));
    assert.ok(
      files
        .get('policy.wasm')
        ?.subarray(0, 4)
        .equals(Buffer.from([0, 0x61, 0x73, 0x6d])),
    );
  });

  it('admits only builtins that the wasm, the SDK or the host implements', async () => {
    // Call every admitted builtin (operators and deprecated ones aside, which Rego v1 forbids) with input-typed arguments, then ask the
    // compiled wasm which builtins it imports from its host.
    const callable = JSON.parse(await readFile(capsFile, 'utf8')) as CapabilitiesDocument;
    const calls = callable.builtins
      .filter((b) => b['infix'] === undefined && b['deprecated'] !== true && !b.name.startsWith('internal.'))
      .map((b, i) => {
        const arity = ((b['decl'] as { args?: unknown[] } | undefined)?.args ?? []).length;
        return `r${i} := ${b.name}(${Array.from({ length: arity }, (_, j) => `input.a${j}`).join(', ')})`;
      });
    const src = await policyDir('all', { 'policy.rego': `package all\n\n${calls.join('\n')}\n` });
    const out = path.join(dir, 'all.tar.gz');
    const run = await runOpa(['build', '-t', 'wasm', '--capabilities', capsFile, '-e', 'all', '-o', out, src]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const imported = await hostImportedBuiltins(readTarGz(await readFile(out)).get('policy.wasm')!);
    const runnable = new Set([...sdkJavaScriptBuiltins(), ...IMPLEMENTED_BUILTINS]);
    assert.ok(
      imported.length > IMPLEMENTED_BUILTINS.length,
      `only ${imported.length} host imports: the probe did not call them all`,
    );
    assert.deepEqual(
      imported.filter((name) => !runnable.has(name)),
      [],
    );
    for (const name of IMPLEMENTED_BUILTINS)
      assert.ok(imported.includes(name), `${name} is not imported from the host`);
  });
});
