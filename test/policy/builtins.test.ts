/**
 * The non-time host builtins against OPA's own evaluator: every case runs through `opa eval`
 * (one process for the whole table) and through createBuiltins(); both must end the same way.
 * Random builtins (uuid.rfc4122, rand.intn) are checked for OPA's caching rules instead.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BuiltinError, IMPLEMENTED_BUILTINS, createBuiltins } from '../../src/policy/builtins/index.ts';
import { opaBinary } from '../../src/policy/toolchain/opa-cli.ts';
import { evaluateWithOpa, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';

const LONG_KEY = 'k'.repeat(200);

const CASES: BuiltinCase[] = [
  // units.parse
  { builtin: 'units.parse', args: ['10K'], note: 'reads K as 1000' },
  { builtin: 'units.parse', args: ['10k'], note: 'reads k as 1000' },
  { builtin: 'units.parse', args: ['1.5Gi'], note: 'reads Gi as 2^30 with a fraction' },
  { builtin: 'units.parse', args: ['1.5GI'], note: 'ignores the case of letters after the first' },
  { builtin: 'units.parse', args: ['1mi'], note: 'reads mi as 2^20 (only a lone m is milli)' },
  { builtin: 'units.parse', args: ['1M'], note: 'reads M as 10^6' },
  { builtin: 'units.parse', args: ['100m'], note: 'reads m as milli' },
  { builtin: 'units.parse', args: ['1m'], note: 'prints a milli fraction with ten decimals' },
  { builtin: 'units.parse', args: ['1000m'], note: 'keeps the float64 error of 0.001 as OPA does' },
  { builtin: 'units.parse', args: ['1e20m'], note: 'exposes the float64 milli factor at large scale' },
  { builtin: 'units.parse', args: ['1e3'], note: 'reads scientific notation without a unit' },
  { builtin: 'units.parse', args: ['1E3'], note: 'reads an upper-case exponent' },
  { builtin: 'units.parse', args: ['1e-3'], note: 'reads a negative exponent' },
  { builtin: 'units.parse', args: ['1e'], note: 'reads a trailing e as exa' },
  { builtin: 'units.parse', args: ['1.5E'], note: 'reads a trailing E as exa' },
  { builtin: 'units.parse', args: ['1e6Ei'], note: 'returns integers beyond 2^64 exactly' },
  { builtin: 'units.parse', args: ['-1K'], note: 'accepts a minus sign' },
  { builtin: 'units.parse', args: ['+1K'], note: 'accepts a plus sign' },
  { builtin: 'units.parse', args: ['.5'], note: 'accepts a fraction without a whole part' },
  { builtin: 'units.parse', args: ['5.'], note: 'accepts a trailing point' },
  { builtin: 'units.parse', args: ['007'], note: 'reads leading zeros as decimal' },
  { builtin: 'units.parse', args: ['1e-20'], note: 'rounds to ten decimals' },
  { builtin: 'units.parse', args: ['0.00000000005'], note: 'rounds half away from zero' },
  { builtin: 'units.parse', args: ['-0.00000000005'], note: 'rounds a negative half away from zero' },
  { builtin: 'units.parse', args: ['12345678901234567890'], note: 'keeps a 20-digit integer exact' },
  { builtin: 'units.parse', args: ['"10K"'], note: 'drops double quotes' },
  { builtin: 'units.parse', args: ['10KB'], want: 'error', note: 'rejects byte units' },
  { builtin: 'units.parse', args: ['1 K'], want: 'error', note: 'rejects spaces' },
  { builtin: 'units.parse', args: [''], want: 'error', note: 'rejects the empty string' },
  { builtin: 'units.parse', args: ['K'], want: 'error', note: 'rejects a unit without an amount' },
  { builtin: 'units.parse', args: ['1.2.3'], want: 'error', note: 'rejects two points' },
  { builtin: 'units.parse', args: ['1e+'], want: 'error', note: 'rejects an exponent without digits' },
  { builtin: 'units.parse', args: ['0x10'], want: 'error', note: 'rejects hexadecimal' },
  { builtin: 'units.parse', args: ['1e1234567'], want: 'error', note: 'rejects exponents of seven digits' },
  { builtin: 'units.parse', args: [10], want: 'error', note: 'rejects a number' },

  // units.parse_bytes
  { builtin: 'units.parse_bytes', args: ['10KB'], note: 'reads KB as 1000' },
  { builtin: 'units.parse_bytes', args: ['10kb'], note: 'ignores case' },
  { builtin: 'units.parse_bytes', args: ['10KiB'], note: 'reads KiB as 1024' },
  { builtin: 'units.parse_bytes', args: ['10Ki'], note: 'accepts a binary unit without B' },
  { builtin: 'units.parse_bytes', args: ['10M'], note: 'reads M as 10^6 bytes' },
  { builtin: 'units.parse_bytes', args: ['1.5GiB'], note: 'reads a fractional binary amount' },
  { builtin: 'units.parse_bytes', args: ['0.1kb'], note: 'rounds 0.1 at 64-bit precision before truncating' },
  { builtin: 'units.parse_bytes', args: ['0.3GB'], note: 'truncates a float product' },
  { builtin: 'units.parse_bytes', args: ['1.9'], note: 'truncates a fraction of a byte' },
  { builtin: 'units.parse_bytes', args: ['-1.9kb'], note: 'truncates toward zero' },
  { builtin: 'units.parse_bytes', args: ['123456789.987654321kib'], note: 'loses precision beyond 64 bits as Go does' },
  { builtin: 'units.parse_bytes', args: ['16EiB'], note: 'returns integers beyond 2^64 exactly' },
  { builtin: 'units.parse_bytes', args: ['1e-5'], note: 'truncates a tiny amount to zero' },
  { builtin: 'units.parse_bytes', args: ['1e40'], note: 'rounds a large exponent at 64 bits (pow5 at 128 bits)' },
  { builtin: 'units.parse_bytes', args: ['1.0000000000000000001EB'], note: 'rounds to 64 bits before multiplying' },
  { builtin: 'units.parse_bytes', args: ['"10kb"'], note: 'drops double quotes' },
  { builtin: 'units.parse_bytes', args: ['1E3B'], want: 'error', note: 'reads 1E3 as a number, leaving B unknown' },
  { builtin: 'units.parse_bytes', args: ['1 kb'], want: 'error', note: 'rejects spaces' },
  { builtin: 'units.parse_bytes', args: ['kb'], want: 'error', note: 'rejects a unit without an amount' },
  { builtin: 'units.parse_bytes', args: ['1xb'], want: 'error', note: 'rejects an unknown unit' },
  { builtin: 'units.parse_bytes', args: [null], want: 'error', note: 'rejects null' },

  // strings.any_prefix_match / any_suffix_match
  { builtin: 'strings.any_prefix_match', args: ['abc', 'ab'], note: 'matches one string and one prefix' },
  {
    builtin: 'strings.any_prefix_match',
    args: [
      ['x', 'abc'],
      ['zz', 'ab'],
    ],
    note: 'matches any of several',
  },
  { builtin: 'strings.any_prefix_match', args: ['abc', ['bc', 'c']], note: 'does not match a suffix' },
  { builtin: 'strings.any_prefix_match', args: ['abc', []], note: 'is false for no prefixes' },
  { builtin: 'strings.any_prefix_match', args: [[], 'a'], note: 'is false for no strings' },
  { builtin: 'strings.any_prefix_match', args: ['abc', ''], note: 'treats the empty prefix as matching' },
  { builtin: 'strings.any_prefix_match', args: ['ümlaut', 'üm'], note: 'matches non-ASCII prefixes' },
  { builtin: 'strings.any_prefix_match', args: [['abc', 5], 'a'], want: 'error', note: 'rejects a non-string element' },
  { builtin: 'strings.any_prefix_match', args: [5, 'a'], want: 'error', note: 'rejects a number' },
  { builtin: 'strings.any_suffix_match', args: ['abc', 'bc'], note: 'matches a suffix' },
  {
    builtin: 'strings.any_suffix_match',
    args: [
      ['x', 'abc'],
      ['zz', 'c'],
    ],
    note: 'matches any of several',
  },
  { builtin: 'strings.any_suffix_match', args: ['abc', 'ab'], note: 'does not match a prefix' },
  { builtin: 'strings.any_suffix_match', args: ['abc', {}], want: 'error', note: 'rejects an object' },

  // regex.replace
  {
    builtin: 'regex.replace',
    args: ['baaac', 'a*', 'x'],
    note: 'skips an empty match right after a match, as Go does',
  },
  {
    builtin: 'regex.replace',
    args: ['ab', '(?:(a)|b)+', '$1'],
    note: 'keeps a capture from an earlier iteration of a repeated group (issue 17: V8 gave "")',
  },
  { builtin: 'regex.replace', args: ['abc', '', '-'], note: 'replaces the empty match between every character' },
  { builtin: 'regex.replace', args: ['😀a', '', '-'], note: 'steps over a character outside the BMP whole' },
  { builtin: 'regex.replace', args: ['aaa', '^a', 'b'], note: 'anchors ^ at the start of the text only' },
  { builtin: 'regex.replace', args: ['hello world', '(\\w+) (\\w+)', '$2 $1'], note: 'expands numbered groups' },
  { builtin: 'regex.replace', args: ['abc', '(b)', '[$1x]'], note: 'reads $1x as the (missing) group named 1x' },
  { builtin: 'regex.replace', args: ['abc', '(b)', '[${1}x]'], note: 'reads ${1} followed by x' },
  { builtin: 'regex.replace', args: ['abc', '(?P<n>b)', '<${n}>'], note: 'expands a (?P<name>) group' },
  { builtin: 'regex.replace', args: ['abc', '(?<n>b)', '<$n>'], note: 'expands a (?<name>) group' },
  { builtin: 'regex.replace', args: ['abc', 'b', '$$'], note: 'writes $$ as a dollar' },
  { builtin: 'regex.replace', args: ['abc', 'b', '$'], note: 'keeps a lone dollar' },
  { builtin: 'regex.replace', args: ['abc', 'b', '${'], note: 'keeps a dollar before an unclosed brace' },
  { builtin: 'regex.replace', args: ['abc', '(b)', '$01'], note: 'reads $01 as a name, not group 1' },
  { builtin: 'regex.replace', args: ['a.b.c', '\\.', '-'], note: 'escapes a dot' },
  { builtin: 'regex.replace', args: ['Hello', '(?i)hello', 'hi'], note: 'honours (?i)' },
  { builtin: 'regex.replace', args: ['ABC', '(?i:b)c', 'x'], note: 'scopes (?i:...) to its group' },
  {
    builtin: 'regex.replace',
    args: ['aBc', '(?i:x)|[a-c]', '_'],
    note: 'keeps classes after a (?i:...) group case-sensitive (works around a V8 bug)',
  },
  { builtin: 'regex.replace', args: ['xK\u212a', '(?i:x)\\w', '_'], note: 'keeps \\w ASCII after a (?i:...) group' },
  { builtin: 'regex.replace', args: ['aBc', 'a(?i)b(?-i)C', 'x'], note: 'switches flags mid-pattern' },
  { builtin: 'regex.replace', args: ['line1\nline2', '(?m)^line', 'L'], note: 'honours (?m) for ^' },
  { builtin: 'regex.replace', args: ['a\nb\n', 'b$', 'X'], note: 'anchors $ at the very end without (?m)' },
  { builtin: 'regex.replace', args: ['a\r\nb', '(?m)a$', 'X'], note: 'treats only \\n as a line end' },
  { builtin: 'regex.replace', args: ['a\nb', 'a.b', 'x'], note: 'does not match \\n with . by default' },
  { builtin: 'regex.replace', args: ['a\nb', '(?s)a.b', 'x'], note: 'matches \\n with . under (?s)' },
  { builtin: 'regex.replace', args: ['aaa', 'a*?', 'x'], note: 'matches lazily' },
  { builtin: 'regex.replace', args: ['aaa', '(?U)a+', 'x'], note: 'swaps greediness under (?U)' },
  { builtin: 'regex.replace', args: ['aaaa', 'a{2}', 'b'], note: 'repeats a counted number of times' },
  { builtin: 'regex.replace', args: ['a{,2}', 'a{,2}', 'x'], note: 'reads {,2} as literal text' },
  { builtin: 'regex.replace', args: ['ab12', '\\d+', '#'], note: 'matches \\d' },
  { builtin: 'regex.replace', args: ['a b\tc\vd', '\\s', '_'], note: 'matches ASCII \\s without \\v' },
  { builtin: 'regex.replace', args: ['é-1', '\\w', 'x'], note: 'matches ASCII \\w only' },
  { builtin: 'regex.replace', args: ['日本語', '.', 'x'], note: 'matches whole characters with .' },
  { builtin: 'regex.replace', args: ['abc1', '[[:alpha:]]', 'x'], note: 'supports POSIX classes' },
  { builtin: 'regex.replace', args: ['a1', '[[:^alpha:]]', 'x'], note: 'supports negated POSIX classes' },
  { builtin: 'regex.replace', args: ['αβγ abc', '\\p{Greek}+', 'G'], note: 'supports Unicode scripts' },
  { builtin: 'regex.replace', args: ['Abc', '\\p{Lu}', 'u'], note: 'supports Unicode categories' },
  { builtin: 'regex.replace', args: ['aB', '\\pL', 'x'], note: 'supports one-letter categories' },
  { builtin: 'regex.replace', args: ['a1B', '[^\\PL]', 'x'], note: 'supports negated Unicode classes in classes' },
  { builtin: 'regex.replace', args: ['a+b', '\\Q+\\E', 'plus'], note: 'quotes with \\Q...\\E' },
  { builtin: 'regex.replace', args: ['xy', '\\x78', 'X'], note: 'reads \\x78' },
  { builtin: 'regex.replace', args: ['xy', '\\x{79}', 'Y'], note: 'reads \\x{79}' },
  { builtin: 'regex.replace', args: ['a@b', '\\101|\\100', '_'], note: 'reads octal escapes' },
  { builtin: 'regex.replace', args: ['a-b', '[a\\-z]', 'x'], note: 'reads an escaped dash in a class' },
  { builtin: 'regex.replace', args: ['x]y', '[]]', '_'], note: 'reads a leading ] in a class literally' },
  { builtin: 'regex.replace', args: ['a-b', '[b-]', '_'], note: 'reads a trailing dash literally' },
  { builtin: 'regex.replace', args: ['abc', '\\b', '|'], note: 'matches word boundaries' },
  { builtin: 'regex.replace', args: ['abc', '\\Aa|c\\z', '_'], note: 'supports \\A and \\z' },
  { builtin: 'regex.replace', args: ['abc', '(?P<1>b)', '[$1]'], note: 'accepts a numeric group name' },
  { builtin: 'regex.replace', args: ['a.b', '\\.', '\\'], note: 'copies a backslash in the template' },
  { builtin: 'regex.replace', args: ['abab', '(ab)*', 'x'], note: 'repeats a group' },
  { builtin: 'regex.replace', args: ['abc', 'z', 'x'], note: 'returns the input when nothing matches' },
  { builtin: 'regex.replace', args: ['abc', '[', 'x'], want: 'error', note: 'rejects an unclosed class' },
  { builtin: 'regex.replace', args: ['abc', '(a', 'x'], want: 'error', note: 'rejects an unclosed group' },
  { builtin: 'regex.replace', args: ['abc', 'a)', 'x'], want: 'error', note: 'rejects an unopened group' },
  { builtin: 'regex.replace', args: ['abc', '(a)\\1', 'x'], want: 'error', note: 'rejects backreferences' },
  { builtin: 'regex.replace', args: ['abc', '(?=a)', 'x'], want: 'error', note: 'rejects lookahead' },
  { builtin: 'regex.replace', args: ['abc', '(?<=a)b', 'x'], want: 'error', note: 'rejects lookbehind' },
  { builtin: 'regex.replace', args: ['abc', 'a**', 'x'], want: 'error', note: 'rejects nested repetition' },
  { builtin: 'regex.replace', args: ['abc', '*a', 'x'], want: 'error', note: 'rejects a repetition without operand' },
  { builtin: 'regex.replace', args: ['abc', 'a{1001}', 'x'], want: 'error', note: 'rejects repeat counts over 1000' },
  { builtin: 'regex.replace', args: ['abc', '[z-a]', 'x'], want: 'error', note: 'rejects a reversed range' },
  { builtin: 'regex.replace', args: ['abc', '\\k', 'x'], want: 'error', note: 'rejects an unknown escape' },
  { builtin: 'regex.replace', args: ['abc', '[[:foo:]]', 'x'], want: 'error', note: 'rejects an unknown POSIX class' },
  {
    builtin: 'regex.replace',
    args: ['abc', '\\p{Klingon}', 'x'],
    want: 'error',
    note: 'rejects an unknown Unicode class',
  },
  {
    builtin: 'regex.replace',
    args: ['xb', '(?P<a>x)|(?P<a>b)', '[$a]'],
    note: 'expands a repeated group name to the group that matched',
  },
  { builtin: 'regex.replace', args: [5, 'a', 'b'], want: 'error', note: 'rejects a number' },

  // crypto
  { builtin: 'crypto.md5', args: [''], note: 'hashes the empty string' },
  { builtin: 'crypto.md5', args: ['héllo'], note: 'hashes UTF-8 bytes' },
  { builtin: 'crypto.sha1', args: ['abc'], note: 'hashes with SHA-1' },
  { builtin: 'crypto.sha256', args: ['😀'], note: 'hashes a character outside the BMP' },
  { builtin: 'crypto.sha256', args: [''], note: 'hashes the empty string with SHA-256' },
  { builtin: 'crypto.sha256', args: [1], want: 'error', note: 'rejects a number' },
  { builtin: 'crypto.hmac.md5', args: ['message', 'key'], note: 'computes HMAC-MD5' },
  { builtin: 'crypto.hmac.sha1', args: ['message', ''], note: 'accepts an empty key' },
  { builtin: 'crypto.hmac.sha256', args: ['message', 'kéy'], note: 'uses the UTF-8 bytes of the key' },
  { builtin: 'crypto.hmac.sha512', args: ['message', LONG_KEY], note: 'hashes a key longer than the block size' },
  { builtin: 'crypto.hmac.sha256', args: ['message', 5], want: 'error', note: 'rejects a numeric key' },
  { builtin: 'crypto.hmac.equal', args: ['abc', 'abc'], note: 'is true for equal MACs' },
  { builtin: 'crypto.hmac.equal', args: ['abc', 'abd'], note: 'is false for different MACs' },
  { builtin: 'crypto.hmac.equal', args: ['abc', 'abcd'], note: 'is false for different lengths' },
  { builtin: 'crypto.hmac.equal', args: ['', ''], note: 'is true for two empty strings' },
  { builtin: 'crypto.hmac.equal', args: [['abc'], 'abc'], want: 'error', note: 'rejects an array' },

  // uuid.parse
  { builtin: 'uuid.parse', args: ['6ba7b810-9dad-11d1-80b4-00c04fd430c8'], note: 'decodes a version 1 UUID' },
  { builtin: 'uuid.parse', args: ['000003e8-cfa1-21ed-8d00-acde48001122'], note: 'decodes a version 2 UUID' },
  { builtin: 'uuid.parse', args: ['000003e8-cfa1-21ed-8d07-acde48001122'], note: 'names an unknown DCE domain' },
  {
    builtin: 'uuid.parse',
    args: ['f47ac10b-58cc-4372-a567-0e02b2c3d479'],
    note: 'reports version and variant of a version 4 UUID',
  },
  {
    builtin: 'uuid.parse',
    args: ['F47AC10B-58CC-4372-C567-0E02B2C3D479'],
    note: 'accepts upper case and the Microsoft variant',
  },
  { builtin: 'uuid.parse', args: ['f47ac10b-58cc-4372-e567-0e02b2c3d479'], note: 'reports the future variant' },
  { builtin: 'uuid.parse', args: ['f47ac10b-58cc-4372-0567-0e02b2c3d479'], note: 'reports the reserved variant' },
  { builtin: 'uuid.parse', args: ['urn:uuid:f47ac10b-58cc-4372-a567-0e02b2c3d479'], note: 'accepts the urn form' },
  {
    builtin: 'uuid.parse',
    args: ['URN:UUID:f47ac10b-58cc-4372-a567-0e02b2c3d479'],
    note: 'accepts the urn prefix in any case',
  },
  { builtin: 'uuid.parse', args: ['{f47ac10b-58cc-4372-a567-0e02b2c3d479}'], note: 'accepts braces' },
  {
    builtin: 'uuid.parse',
    args: ['xf47ac10b-58cc-4372-a567-0e02b2c3d479y'],
    note: 'ignores what stands in for the braces, as google/uuid does',
  },
  { builtin: 'uuid.parse', args: ['f47ac10b58cc4372a5670e02b2c3d479'], note: 'accepts 32 hex digits' },
  {
    builtin: 'uuid.parse',
    args: ['ffffffff-ffff-1fff-bfff-ffffffffffff'],
    note: 'wraps an overflowing v1 time as Go int64 does',
  },
  {
    builtin: 'uuid.parse',
    args: ['f47ac10b-58cc-4372-a567-0e02b2c3d47'],
    want: 'undefined',
    note: 'is undefined for a short string',
  },
  {
    builtin: 'uuid.parse',
    args: ['f47ac10b+58cc-4372-a567-0e02b2c3d479'],
    want: 'undefined',
    note: 'is undefined for a misplaced separator',
  },
  {
    builtin: 'uuid.parse',
    args: ['g47ac10b-58cc-4372-a567-0e02b2c3d479'],
    want: 'undefined',
    note: 'is undefined for a non-hex digit',
  },
  { builtin: 'uuid.parse', args: [7], want: 'error', note: 'rejects a number' },

  // semver
  { builtin: 'semver.is_valid', args: ['1.0.0'], note: 'accepts MAJOR.MINOR.PATCH' },
  { builtin: 'semver.is_valid', args: ['v1.0.0'], note: 'accepts a leading v' },
  { builtin: 'semver.is_valid', args: ['1.0'], note: 'rejects two components' },
  { builtin: 'semver.is_valid', args: ['1.2.3.4'], note: 'rejects four components' },
  { builtin: 'semver.is_valid', args: ['1.0.0-alpha.1+build.5'], note: 'accepts pre-release and metadata' },
  { builtin: 'semver.is_valid', args: ['1.0.0-'], note: 'rejects an empty pre-release' },
  {
    builtin: 'semver.is_valid',
    args: ['1.0.0-01'],
    note: 'rejects a numeric pre-release identifier with a leading zero',
  },
  { builtin: 'semver.is_valid', args: ['1.0.0-0a'], note: 'accepts an alphanumeric identifier starting with 0' },
  { builtin: 'semver.is_valid', args: ['1.0.0+01'], note: 'accepts leading zeros in metadata' },
  { builtin: 'semver.is_valid', args: ['1.2.3--'], note: 'accepts a hyphen as an identifier' },
  { builtin: 'semver.is_valid', args: ['V1.2.3'], note: 'rejects an upper-case V' },
  { builtin: 'semver.is_valid', args: ['1.2.3-al$pha'], note: 'rejects a bad pre-release character' },
  { builtin: 'semver.is_valid', args: ['1.2.3-alpha..1'], note: 'rejects an empty identifier' },
  { builtin: 'semver.is_valid', args: ['01.2.3'], note: 'rejects a leading zero in the major version' },
  { builtin: 'semver.is_valid', args: ['9223372036854775807.0.0'], note: 'accepts the int64 maximum as a component' },
  { builtin: 'semver.is_valid', args: ['9223372036854775808.0.0'], note: 'rejects a component beyond int64' },
  { builtin: 'semver.is_valid', args: [''], note: 'rejects the empty string' },
  { builtin: 'semver.is_valid', args: [5], note: 'is false for a number' },
  { builtin: 'semver.compare', args: ['1.0.0', '2.0.0'], note: 'orders majors' },
  { builtin: 'semver.compare', args: ['1.10.0', '1.9.0'], note: 'orders minors numerically' },
  { builtin: 'semver.compare', args: ['v1.2.3', '1.2.3'], note: 'ignores a leading v' },
  { builtin: 'semver.compare', args: ['1.0.0+a', '1.0.0+b'], note: 'ignores metadata' },
  { builtin: 'semver.compare', args: ['1.0.0-alpha', '1.0.0'], note: 'puts a pre-release before its release' },
  { builtin: 'semver.compare', args: ['1.0.0-alpha', '1.0.0-alpha.1'], note: 'puts a shorter pre-release first' },
  {
    builtin: 'semver.compare',
    args: ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
    note: 'puts numeric identifiers before alphanumeric ones',
  },
  { builtin: 'semver.compare', args: ['1.0.0-rc.10', '1.0.0-rc.9'], note: 'compares numeric identifiers as numbers' },
  { builtin: 'semver.compare', args: ['1.0.0-beta', '1.0.0-alpha'], note: 'compares alphanumeric identifiers as text' },
  { builtin: 'semver.compare', args: ['1.0.0-B', '1.0.0-a'], note: 'compares identifiers by ASCII code' },
  {
    builtin: 'semver.compare',
    args: ['1.0.0-99999999999999999999', '1.0.0-1'],
    note: 'compares a pre-release number beyond int64',
  },
  { builtin: 'semver.compare', args: ['bad', '1.0.0'], want: 'error', note: 'rejects an invalid first version' },
  { builtin: 'semver.compare', args: ['1.0.0', 'bad'], want: 'error', note: 'rejects an invalid second version' },

  // rand.intn (deterministic cases only)
  { builtin: 'rand.intn', args: ['k', 0], note: 'returns 0 for n = 0' },
  { builtin: 'rand.intn', args: ['k', 1], note: 'returns 0 for n = 1' },
  { builtin: 'rand.intn', args: ['k', -1], note: 'uses |n|' },
  { builtin: 'rand.intn', args: ['k', 1.5], want: 'error', note: 'rejects a fractional n' },
  { builtin: 'rand.intn', args: [1, 5], want: 'error', note: 'rejects a numeric key' },
];

function assertSame(host: Outcome, opa: Outcome, c: BuiltinCase): void {
  assert.equal(host.kind, opa.kind, `host ended with ${JSON.stringify(host)}, OPA with ${JSON.stringify(opa)}`);
  assert.equal(opa.kind, c.want ?? 'value', `OPA ended with ${opa.kind}; the table says ${c.want ?? 'value'}`);
  if (host.kind === 'value' && opa.kind === 'value') assert.equal(host.json, opa.json);
  if (host.kind === 'error' && opa.kind === 'error') assert.ok(host.message.startsWith(`${c.builtin}: `), host.message);
}

describe('host builtins agree with opa eval', () => {
  let opa: Outcome[] = [];
  before(async () => {
    opa = await evaluateWithOpa(CASES);
  });
  const host = createBuiltins({ localZone: 'UTC' });
  for (const [builtin, group] of Map.groupBy(CASES.entries(), ([, c]) => c.builtin)) {
    describe(builtin, () => {
      for (const [i, c] of group) {
        it(c.note, () => {
          host.beginEvaluation();
          assertSame(runHost(host.functions[c.builtin], c.args), opa[i]!, c);
        });
      }
    });
  }

  it('covers every implemented builtin', () => {
    const covered = new Set(CASES.map((c) => c.builtin));
    const timeAndRandom = IMPLEMENTED_BUILTINS.filter((n) => n.startsWith('time.') || n === 'uuid.rfc4122');
    // These have their own files, with OPA's cases: builtins-jwt, builtins-net, builtins-encoding,
    // builtins-regex-find, builtins-globs-match, builtins-sprintf, builtins-x509, builtins-json-patch,
    // builtins-json-schema.
    const ownFile =
      /^(io\.jwt\.|net\.cidr_|hex\.|urlquery\.|base64url\.encode_no_pad$|strings\.count$|regex\.(find_n|template_match|globs_match)$|sprintf$|crypto\.x509\.|crypto\.parse_private_keys$|json\.patch$|json\.(match|verify)_schema$)/;
    assert.deepEqual(
      IMPLEMENTED_BUILTINS.filter((n) => !covered.has(n) && !timeAndRandom.includes(n) && !ownFile.test(n)),
      [],
    );
  });
});

/** Evaluates one Rego query with opa and returns its first expression's value. */
async function opaQuery(query: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(opaBinary(), ['eval', '-f', 'json', query], { encoding: 'utf8' });
  return (JSON.parse(stdout) as { result: { expressions: { value: unknown }[] }[] }).result[0]?.expressions[0]?.value;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuid.rfc4122 and rand.intn keep OPA's per-evaluation caching", () => {
  let opa: unknown;
  before(async () => {
    opa = await opaQuery(
      '[uuid.rfc4122("a"), uuid.rfc4122("a") == uuid.rfc4122("a"), uuid.rfc4122("a") != uuid.rfc4122("b"), rand.intn("k", 1000) == rand.intn("k", 1000), rand.intn("k", 100) < 100]',
    );
  });

  it('OPA returns the same uuid and number for the same key within one query', () => {
    assert.ok(Array.isArray(opa));
    assert.match(String(opa[0]), UUID_V4);
    assert.deepEqual(opa.slice(1), [true, true, true, true]);
  });

  it('the host does too, and draws new ones in the next evaluation', () => {
    const host = createBuiltins({ localZone: 'UTC' });
    const uuid = host.functions['uuid.rfc4122']!;
    const intn = host.functions['rand.intn']!;
    host.beginEvaluation();
    const a = uuid('a');
    assert.ok(typeof a === 'string');
    assert.match(a, UUID_V4);
    assert.equal(uuid('a'), a);
    assert.notEqual(uuid('b'), a);
    const n = intn('k', 1_000_000_000);
    assert.equal(intn('k', 1_000_000_000), n);
    host.beginEvaluation();
    assert.notEqual(uuid('a'), a);
  });

  it('rand.intn draws below n', () => {
    const host = createBuiltins();
    for (let i = 0; i < 200; i++) {
      host.beginEvaluation();
      const x = host.functions['rand.intn']!('k', 7);
      assert.ok(typeof x === 'number' && x >= 0 && x < 7, JSON.stringify(x));
    }
  });

  it('uuid.rfc4122 formats the random bytes it is given, as OPA does', () => {
    const host = createBuiltins({ randomBytes: (n) => new Uint8Array(n).fill(0xff) });
    host.beginEvaluation();
    assert.equal(host.functions['uuid.rfc4122']!('x'), 'ffffffff-ffff-4fff-bfff-ffffffffffff');
  });
});

describe('deliberate limits', () => {
  it('units.parse rejects a decimal exponent beyond 1000 that OPA would expand (bounded work per call)', () => {
    const host = createBuiltins();
    assert.throws(() => host.functions['units.parse']!('1e999999'), BuiltinError);
    assert.doesNotThrow(() => host.functions['units.parse']!('1e999'));
  });
});
