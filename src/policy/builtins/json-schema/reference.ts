/**
 * JSON references and pointers as gojsonschema uses them: a port of
 * github.com/xeipuuv/gojsonreference (reference.go: NewJsonReference, String, IsCanonical,
 * Inherits) over Go's net/url (url.Parse, URL.String, URL.ResolveReference from url.go) and of
 * github.com/xeipuuv/gojsonpointer (pointer.go: NewJsonPointer, Get).
 */
import { goQuote } from '../go-time-parse.ts';
import { escape, escapedPath, goUrlString, parseGoUrl, unescape, type GoUrl } from '../go-url.ts';
import { isMap, type JsonValue } from './values.ts';

/** Go strings are bytes: go-url.ts works on one character per byte. */
const toBytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const fromBytes = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');

/** gojsonreference reference.go JsonReference. */
export interface JsonReference {
  readonly url: GoUrl;
  readonly pointer: readonly string[] | undefined;
  readonly hasFullUrl: boolean;
  readonly hasFileScheme: boolean;
  readonly hasFullFilePath: boolean;
}

/** gojsonreference reference.go NewJsonReference; throws net/url url.go Parse's error (`parse "x": ...`). */
export function newJsonReference(text: string): JsonReference {
  let url: GoUrl;
  try {
    url = parseGoUrl(toBytes(text));
  } catch (e) {
    throw new Error(`parse ${goQuote(text)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return fromUrl(url);
}

function fromUrl(url: GoUrl): JsonReference {
  const fragment = fromBytes(url.Fragment);
  return {
    url,
    // An invalid pointer (not starting with "/") is ignored, leaving the root pointer.
    pointer: fragment.startsWith('/') ? fragment.slice(1).split('/') : undefined,
    hasFullUrl: url.Scheme !== '' && url.Host !== '',
    hasFileScheme: url.Scheme === 'file',
    hasFullFilePath: url.Path.startsWith('/'),
  };
}

/** gojsonreference reference.go JsonReference.String. */
export function referenceString(r: JsonReference): string {
  return fromBytes(goUrlString(r.url));
}

/** gojsonreference reference.go JsonReference.IsCanonical. */
export function isCanonical(r: JsonReference): boolean {
  return (r.hasFileScheme && r.hasFullFilePath) || (!r.hasFileScheme && r.hasFullUrl);
}

/** The reference without its fragment (schemaPool.go's `refToURL.GetUrl().Fragment = ""`). */
export function withoutFragment(r: JsonReference): JsonReference {
  return fromUrl({ ...r.url, Fragment: '', RawFragment: '' });
}

/** url.go resolvePath. */
function resolvePath(base: string, ref: string): string {
  let full: string;
  if (ref === '') full = base;
  else if (!ref.startsWith('/')) full = base.slice(0, base.lastIndexOf('/') + 1) + ref;
  else full = ref;
  if (full === '') return '';
  let dst = '/';
  let elem = '';
  let remaining = full;
  let found = true;
  let first = true;
  while (found) {
    const cut = remaining.indexOf('/');
    found = cut >= 0;
    elem = found ? remaining.slice(0, cut) : remaining;
    remaining = found ? remaining.slice(cut + 1) : '';
    if (elem === '.') {
      first = false;
      continue;
    }
    if (elem === '..') {
      const i = dst.slice(1).lastIndexOf('/');
      dst = i >= 0 ? dst.slice(0, i + 1) : dst.slice(0, 1);
      first = dst.length === 1;
    } else {
      if (!first) dst += '/';
      dst += elem;
      first = false;
    }
  }
  if (elem === '.' || elem === '..') dst += '/';
  return dst.length > 1 && dst[1] === '/' ? dst.slice(1) : dst;
}

/** URL.setPath. */
function setPath(u: GoUrl, p: string): GoUrl {
  const path = unescape(p, 'path');
  return { ...u, Path: path, RawPath: escape(path, 'path') === p ? '' : p };
}

/** URL.ResolveReference. */
function resolveReference(u: GoUrl, ref: GoUrl): GoUrl {
  let url: GoUrl = { ...ref };
  if (ref.Scheme === '') url.Scheme = u.Scheme;
  if (ref.Scheme !== '' || ref.Host !== '' || ref.User !== null) return setPath(url, resolvePath(escapedPath(ref), ''));
  if (ref.Opaque !== '') return { ...url, User: null, Host: '', Path: '' };
  if (ref.Path === '' && !ref.ForceQuery && ref.RawQuery === '') {
    url.RawQuery = u.RawQuery;
    if (ref.Fragment === '') url = { ...url, Fragment: u.Fragment, RawFragment: u.RawFragment };
  }
  if (ref.Path === '' && u.Opaque !== '') return { ...url, Opaque: u.Opaque, User: null, Host: '', Path: '' };
  url = { ...url, Host: u.Host, User: u.User };
  return setPath(url, resolvePath(escapedPath(u), escapedPath(ref)));
}

/** gojsonreference reference.go JsonReference.Inherits: the child resolved against the parent (url.go ResolveReference). */
export function inherits(parent: JsonReference, child: JsonReference): JsonReference {
  const base = { ...parent.url, Fragment: '' };
  return newJsonReference(fromBytes(goUrlString(resolveReference(base, child.url))));
}

/** gojsonpointer's decodeReferenceToken. */
function decodeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** gojsonpointer pointer.go JsonPointer.Get over a decoded document; throws its error texts. */
export function getPointer(r: JsonReference, document: JsonValue): JsonValue {
  let node = document;
  for (const token of r.pointer ?? []) {
    if (isMap(node)) {
      const key = decodeToken(token);
      const next = node.get(key);
      if (next === undefined) throw new Error(`Object has no key '${key}'`);
      node = next;
    } else if (Array.isArray(node)) {
      if (!/^[+-]?\d+$/.test(token) || !Number.isSafeInteger(Number(token)))
        throw new Error(`Invalid array index '${token}'`);
      const index = Number(token);
      if (index < 0 || index >= node.length) throw new Error(`Out of bound array[0,${node.length}] index '${index}'`);
      node = node[index] ?? null;
    } else {
      throw new Error(`Invalid token reference '${token}'`);
    }
  }
  return node;
}
