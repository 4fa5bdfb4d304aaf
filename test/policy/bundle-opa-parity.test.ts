/**
 * regent and OPA judge the same bundle the same way. Each case is a variant of one OPA-signed
 * bundle; the real `opa` binary and regent's verifier both check it, and both must reach the
 * expected verdict. This pins down the details that are easy to get subtly wrong: OPA hashes
 * JSON files in canonical form (numbers as written, keys in byte order, Go's escaping), not their
 * bytes.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { unpackTarGz } from '../../src/policy/bundle/read-bundle.ts';
import { BundleVerificationError, type VerificationFailure } from '../../src/policy/bundle/verification-error.ts';
import { verifyBundle } from '../../src/policy/bundle/verify-bundle.ts';
import {
  makeKey,
  opaBuildSigned,
  opaVerify,
  repack,
  tempDir,
  verificationFor,
  writeSource,
  type TestKey,
} from './bundle-support.ts';

// Data chosen to exercise every canonicalisation rule: number literals that JavaScript would
// rewrite, keys whose UTF-16 order differs from their byte order, and every escape Go treats specially.
const SOURCE_DATA = String.raw`{"threshold": 1,
  "k": {"\uffff": 1, "😀": 2, "a": 3, "é": 4, "Z": 5, "": 6},
  "s": "sep\u2028\u2029 ctl\b\f\n\r\t\u0001\u001f del\u007f html<>& slash/ quote\" backslash\\",
  "n": {"a": 1.0, "b": 2e3, "c": -0, "d": 123456789012345678901234567890, "e": 1E-7}}`;

// The same value written differently: other key order, whitespace and escapes.
const SAME_VALUE =
  String.raw`{ "x" : {
  "threshold" : 1,
  "s" : "sep\u2028\u2029 ctl\u0008\u000C\u000a\r\t\u0001\u001F del` +
  '\u007f' +
  String.raw` html<>\u0026 slash\/ quote\" backslash\\",
  "n" : { "e": 1E-7, "d": 123456789012345678901234567890, "c": -0, "b": 2e3, "a": 1.0 },
  "k" : { "😀": 2, "\uffff": 1, "\u00e9": 4, "a": 3, "Z": 5, "": 6 }
} }`;

let dir: string;
let key: TestKey;
let other: TestKey;
let signed: Uint8Array;

before(async () => {
  dir = await tempDir();
  [key, other] = await Promise.all([makeKey(dir, 'RS256', 'k'), makeKey(dir, 'RS256', 'other')]);
  signed = (
    await opaBuildSigned(await writeSource(dir, SOURCE_DATA), path.join(dir, 'signed.tar.gz'), {
      key,
      claims: { scope: 'prod' },
    })
  ).bytes;
});

const setData = (text: string) => (files: Map<string, Uint8Array>) => files.set('/data.json', Buffer.from(text));

describe('regent and opa reach the same verdict on variants of an OPA-signed bundle', () => {
  // `opa` and `regent` name the reason each side gives when it rejects; undefined means accepted.
  const cases: {
    note: string;
    edit: (files: Map<string, Uint8Array>) => void;
    scope?: string;
    useOther?: boolean;
    opa?: RegExp;
    regent?: VerificationFailure;
  }[] = [
    { note: 'the bundle as OPA signed it (Go escapes, astral keys, number literals)', edit: () => {} },
    { note: 'data.json re-serialised with other key order, whitespace and escapes', edit: setData(SAME_VALUE) },
    {
      note: 'a number rewritten from 1.0 to 1 (equal in JavaScript, a change to OPA)',
      edit: setData(SAME_VALUE.replace('"a": 1.0', '"a": 1')),
      opa: /data\.json: digest mismatch/,
      regent: 'digest_mismatch',
    },
    {
      note: 'a key changed from U+FFFF to U+FFFE',
      edit: setData(SAME_VALUE.replace('"\\uffff": 1', '"\\ufffe": 1')),
      opa: /data\.json: digest mismatch/,
      regent: 'digest_mismatch',
    },
    {
      note: 'policy.wasm with one byte changed',
      edit: (files) => {
        flip(files, '/policy.wasm');
      },
      opa: /policy\.wasm: digest mismatch/,
      regent: 'digest_mismatch',
    },
    {
      note: 'an extra file',
      edit: (files) => files.set('/extra.rego', Buffer.from('package extra\n')),
      opa: /file extra\.rego not included in bundle signature/,
      regent: 'unsigned_file',
    },
    {
      note: 'a signed file removed',
      edit: (files) => files.delete('/policy.wasm'),
      opa: /\[policy\.wasm\] specified in bundle signatures but not found/,
      regent: 'missing_file',
    },
    // OPA's CLI always configures a keyid, so it rejects this too; OPA's gap (no keyid -> stripped
    // bundles pass) needs a config file and is covered in bundle-verify.test.ts for regent.
    {
      note: 'a bundle stripped of .signatures.json',
      edit: (files) => files.delete('/.signatures.json'),
      opa: /bundle missing \.signatures\.json file/,
      regent: 'unsigned',
    },
    {
      note: 'verified for another scope',
      edit: () => {},
      scope: 'dev',
      opa: /scope mismatch/,
      regent: 'scope_mismatch',
    },
    {
      note: 'verified with another key',
      edit: () => {},
      useOther: true,
      opa: /failed to verify JWT signature/,
      regent: 'bad_signature',
    },
  ];
  for (const [i, c] of cases.entries()) {
    it(`${c.regent === undefined ? 'both accept' : 'both reject'} ${c.note}`, async () => {
      const bytes = await repack(signed, c.edit);
      const file = path.join(dir, `variant-${i}.tar.gz`);
      await writeFile(file, bytes);
      const verifier = c.useOther === true ? other : key;
      const opa = await opaVerify(file, { key: verifier, keyid: 'k', scope: c.scope ?? 'prod' });
      let regentError: unknown;
      try {
        verifyBundle(
          await unpackTarGz(bytes),
          verificationFor(verifier, 'k', { keyid: 'k', scope: c.scope ?? 'prod' }),
        );
      } catch (err) {
        regentError = err;
      }
      if (c.opa === undefined) assert.ok(opa.ok, `opa rejected it: ${opa.output}`);
      else assert.match(opa.output, c.opa);
      if (c.regent === undefined) assert.equal(regentError, undefined);
      else {
        assert.ok(regentError instanceof BundleVerificationError, `regent: ${String(regentError)}`);
        assert.equal(regentError.reason, c.regent);
      }
    });
  }
});

function flip(files: Map<string, Uint8Array>, name: string): void {
  const copy = new Uint8Array(files.get(name) as Uint8Array);
  copy[100] = (copy[100] as number) ^ 0xff;
  files.set(name, copy);
}
