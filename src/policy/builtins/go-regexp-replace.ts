/**
 * Go's `Regexp.ReplaceAllString` and `Regexp.Expand` over a translated pattern (go-regexp.ts):
 * non-overlapping matches left to right, an empty match right after a match skipped, and `$1`,
 * `${1}`, `$name`, `${name}`, `$$` in the template.
 */
import type { GoRegExp } from './go-regexp.ts';

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}` and `$$` in a replacement template. */
export function expandTemplate(template: string, match: RegExpExecArray, names: readonly string[]): string {
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

/** Go's `ReplaceAllString`: non-overlapping matches, skipping an empty match right after one. */
export function replaceAll(re: GoRegExp, src: string, template: string): string {
  const regexp = re.regexp;
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length) {
    regexp.lastIndex = searchPos;
    const m = regexp.exec(src);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    out += src.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += expandTemplate(template, m, re.names);
    lastMatchEnd = end;
    const width = searchPos < src.length ? ((src.codePointAt(searchPos) ?? 0) > 0xffff ? 2 : 1) : 0;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + src.slice(lastMatchEnd);
}
