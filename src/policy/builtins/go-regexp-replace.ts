/**
 * Go's `Regexp.ReplaceAllString` and `Regexp.Expand` over re2js (a port of RE2/J, so RE2's syntax
 * and leftmost-first submatch semantics, linear time): non-overlapping matches left to right, an
 * empty match right after a match skipped, and `$1`, `${1}`, `$name`, `${name}`, `$$` in the
 * template. Offsets are UTF-16 indices; Go's are bytes, which changes no replaced text.
 */
import { RE2JS } from 're2js';

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}` and `$$` in a replacement template. */
export function expandTemplate(
  template: string,
  match: readonly (string | undefined)[],
  names: readonly string[],
): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const braced = rest.startsWith('{');
    const body = braced ? rest.slice(1) : rest;
    let end = 0;
    for (const ch of body) {
      if (!NAME_CHAR.test(ch)) break;
      end += ch.length;
    }
    if (end === 0 || (braced && body[end] !== '}')) {
      out += '$';
      continue;
    }
    const name = body.slice(0, end);
    rest = body.slice(end + (braced ? 1 : 0));
    const num =
      /^\d+$/.test(name) && !(name.length > 1 && name.startsWith('0')) && Number(name) < 1e8 ? Number(name) : -1;
    if (num >= 0) {
      out += match[num] ?? '';
    } else {
      // Go takes the first group of that name that took part in the match.
      const index = names.findIndex((n, i) => i > 0 && n === name && match[i] !== undefined);
      if (index > 0) out += match[index] ?? '';
    }
  }
  return out + rest;
}

/** A compiled RE2 pattern and its group names by index (index 0 and unnamed groups: ''). */
export interface Re2Pattern {
  readonly re: RE2JS;
  readonly names: readonly string[];
}

const CACHE_LIMIT = 256;
const cache = new Map<string, Re2Pattern>();

/** Compiles a Go (RE2) pattern with re2js, caching the last {@link CACHE_LIMIT} patterns; throws on a bad pattern. */
export function compileRe2(pattern: string): Re2Pattern {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    const { source, renamed } = uniqueGroupNames(pattern);
    const re = RE2JS.compile(source);
    const names = Array.from({ length: re.groupCount() + 1 }, () => '');
    for (const [name, index] of Object.entries(re.namedGroups())) names[index] = renamed.get(name) ?? name;
    compiled = { re, names };
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value ?? '');
    cache.set(pattern, compiled);
  }
  return compiled;
}

/**
 * Go accepts a group name used twice (`(?P<a>x)|(?P<a>b)`); re2js refuses it. Later uses get a
 * unique name here, mapped back to the original for template expansion.
 */
function uniqueGroupNames(pattern: string): { source: string; renamed: Map<string, string> } {
  const renamed = new Map<string, string>();
  const seen = new Set<string>();
  let source = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? '';
    if (ch === '\\') {
      source += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      source += ch;
      continue;
    }
    if (ch === '[') inClass = true;
    const named = ch === '(' ? /^\(\?P?<([A-Za-z0-9_]+)>/.exec(pattern.slice(i)) : null;
    if (named === null) {
      source += ch;
      continue;
    }
    const [whole, name = ''] = named;
    let unique = name;
    if (seen.has(name)) {
      unique = `${name}__regent${renamed.size}`;
      renamed.set(unique, name);
    }
    seen.add(name);
    source += whole.replace(`<${name}>`, `<${unique}>`);
    i += whole.length - 1;
  }
  return { source, renamed };
}

/** Go's `ReplaceAllString`: non-overlapping leftmost-first matches, skipping an empty match right after one. */
export function replaceAll(pattern: Re2Pattern, src: string, template: string): string {
  const matcher = pattern.re.matcher(src);
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length) {
    if (!matcher.find(searchPos)) break;
    const start = matcher.start();
    const end = matcher.end();
    out += src.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) {
      const groups = pattern.names.map((_, i) => matcher.group(i) ?? undefined);
      out += expandTemplate(template, groups, pattern.names);
    }
    lastMatchEnd = end;
    const width = searchPos < src.length ? ((src.codePointAt(searchPos) ?? 0) > 0xffff ? 2 : 1) : 0;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + src.slice(lastMatchEnd);
}
