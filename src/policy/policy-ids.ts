/**
 * Policy ids for the Policy API and the files they name. An id is one to eight `/`-separated
 * segments of letters, digits, `_` and `-` (starting with a letter or digit), and names the file
 * `<id>.rego` under a root. Anything else is refused before it reaches the filesystem, so an id
 * can never climb out of its directory: no `.`, no `..`, no empty segment, no encoding, no
 * absolute path, no backslash.
 */
import path from 'node:path';
import { InvalidParameterError } from '../errors/regent-error.ts';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const MAX_SEGMENTS = 8;

/** Checks a raw (still percent-encoded) id from a URL and returns it; throws InvalidParameterError. */
export function parsePolicyId(raw: string): string {
  const segments = raw.split('/');
  if (raw === '' || segments.length > MAX_SEGMENTS || !segments.every((s) => SEGMENT.test(s))) {
    throw new InvalidParameterError(
      `invalid policy id: use up to ${MAX_SEGMENTS} "/"-separated segments of letters, digits, "_" and "-", each starting with a letter or digit`,
    );
  }
  if (raw.endsWith('_test'))
    throw new InvalidParameterError(
      'invalid policy id: *_test modules are tests and are never compiled into a revision',
    );
  return raw;
}

/** The file an id names under `root`; asserts (again) that it stays inside. */
export function policyFile(root: string, id: string): string {
  const base = path.resolve(root);
  const file = path.resolve(base, ...parsePolicyId(id).split('/')) + '.rego';
  if (!file.startsWith(base + path.sep)) throw new InvalidParameterError('invalid policy id');
  return file;
}

/** The id of a `.rego` file at `relative` (POSIX separators) under a root, or undefined when it is not a policy module. */
export function idOfFile(relative: string): string | undefined {
  if (!relative.endsWith('.rego') || relative.endsWith('_test.rego')) return undefined;
  return relative.slice(0, -'.rego'.length);
}
