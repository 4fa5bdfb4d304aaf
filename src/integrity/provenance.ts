/**
 * Integrity taint, the host's half (docs/decisions/016-integrity-taint.md): what a tool's output
 * leaves in the session (whether untrusted content entered, and hashes of the values it carried
 * and of the values trusted outputs carried), and where a consequential action's decisive
 * arguments came from (`input.integrity`). The policy (rego/regent/integrity) decides on it.
 */
import type { IntegrityCatalogue } from './catalogue.ts';
import { candidates, hashCandidate, walk, WHOLE_VALUE_MAX } from './values.ts';

/** Where a decisive argument's value came from, as the policy sees it. */
export type Provenance = 'configuration' | 'trusted' | 'untrusted' | 'unknown';

/** `input.integrity` for a consequential action. */
export interface IntegrityInput {
  consequential: true;
  arguments: { path: string; provenance: Provenance }[];
}

/** What a tool's output leaves in the session's integrity state. */
export interface OutputTaint {
  /** The tool, when untrusted content came back (empty fields of an untrusted field list do not count). */
  untrustedSource: string | null;
  untrustedValues: string[];
  trustedValues: string[];
}

/** The value hashes a session holds (never shown to the policy). */
export interface SessionValues {
  readonly untrusted: readonly string[];
  readonly trusted: readonly string[];
}

/** Splits a tool's output (as `/payload`) into its untrusted and trusted values, by the catalogue. */
export function outputTaint(tool: string, output: unknown, catalogue: IntegrityCatalogue): OutputTaint {
  const integrity = catalogue.outputOf(tool);
  const untrusted = new Set<string>();
  const trusted = new Set<string>();
  let entered = false;
  const marked =
    integrity.kind === 'untrusted'
      ? ['/payload']
      : integrity.kind === 'fields'
        ? integrity.untrusted.flatMap((p) =>
            select(output, p)
              .filter((s) => !authoredByTrusted(s.parent, integrity.author, catalogue))
              .map((s) => s.path),
          )
        : [];
  walkWithPath(output, '/payload', (path, leaf) => {
    const inUntrusted = marked.some((m) => path === m || path.startsWith(`${m}/`));
    if (inUntrusted) entered = true;
    for (const c of candidates(leaf)) (inUntrusted ? untrusted : trusted).add(hashCandidate(c));
  });
  return {
    untrustedSource: entered ? tool : null,
    untrustedValues: [...untrusted].sort(),
    trustedValues: [...trusted].sort(),
  };
}

/**
 * The provenance of a consequential action's decisive arguments, or undefined when the tool is
 * not consequential. The whole value decides first (vouched for by the configuration, or seen
 * verbatim in a trusted output); otherwise any address, link, account number or quoted token in it
 * that only untrusted content carried makes it untrusted.
 */
export function argumentProvenance(
  tool: string,
  payload: unknown,
  values: SessionValues | undefined,
  catalogue: IntegrityCatalogue,
): IntegrityInput | undefined {
  const spec = catalogue.consequential.get(tool);
  if (spec === undefined) return undefined;
  const untrusted = new Set(values?.untrusted ?? []);
  const trusted = new Set(values?.trusted ?? []);
  const args: IntegrityInput['arguments'] = [];
  for (const pointer of spec.arguments) {
    for (const { path, value } of select(payload, pointer)) {
      const leaves: (string | number)[] = [];
      walk(value, (leaf) => leaves.push(leaf));
      for (const leaf of leaves) {
        args.push({ path, provenance: provenanceOf(leaf, untrusted, trusted, catalogue.configured) });
      }
    }
  }
  args.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.provenance < b.provenance ? -1 : 1));
  return { consequential: true, arguments: args };
}

function provenanceOf(
  leaf: string | number,
  untrusted: ReadonlySet<string>,
  trusted: ReadonlySet<string>,
  configured: ReadonlySet<string>,
): Provenance {
  const all = candidates(leaf).map(hashCandidate);
  const whole = typeof leaf === 'number' || leaf.length <= WHOLE_VALUE_MAX ? all[0] : undefined;
  if (whole !== undefined && configured.has(whole)) return 'configuration';
  if (whole !== undefined && trusted.has(whole)) return 'trusted';
  if (all.some((h) => untrusted.has(h) && !trusted.has(h) && !configured.has(h))) return 'untrusted';
  return 'unknown';
}

// A field written by someone the configuration vouches for (a colleague, an internal address) is
// not outside content: the object holding it names its author in the member `author`.
function authoredByTrusted(parent: unknown, author: string | null, catalogue: IntegrityCatalogue): boolean {
  if (author === null || parent === null || typeof parent !== 'object' || Array.isArray(parent)) return false;
  return catalogue.vouches((parent as Record<string, unknown>)[author]);
}

/** A member a pointer selected: its concrete path, its value, and the object or array holding it. */
export interface Selected {
  path: string;
  value: unknown;
  parent: unknown;
}

/** The members of a JSON value a pointer names (`/payload/...`, `*` matching any key or index). */
export function select(payload: unknown, pointer: string): Selected[] {
  const segments = pointer.split('/').slice(1).map(unescape);
  if (segments[0] !== 'payload') return [];
  let level: Selected[] = [{ path: '/payload', value: payload, parent: null }];
  for (const seg of segments.slice(1)) {
    const next: Selected[] = [];
    for (const { path, value } of level) {
      if (value === null || typeof value !== 'object') continue;
      const entries: [string, unknown][] = Array.isArray(value)
        ? value.map((v, i) => [String(i), v])
        : Object.entries(value as Record<string, unknown>);
      for (const [key, v] of entries) {
        if (seg === '*' || seg === key) next.push({ path: `${path}/${escape(key)}`, value: v, parent: value });
      }
    }
    level = next;
  }
  return level.filter((s) => s.value !== undefined && s.value !== null);
}

function walkWithPath(value: unknown, path: string, visit: (path: string, leaf: string | number) => void, depth = 0) {
  if (depth > 64) return;
  if (typeof value === 'string' || typeof value === 'number') visit(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkWithPath(v, `${path}/${i}`, visit, depth + 1));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      walkWithPath(v, `${path}/${escape(k)}`, visit, depth + 1);
    }
  }
}

function escape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescape(seg: string): string {
  return seg.replaceAll('~1', '/').replaceAll('~0', '~');
}
