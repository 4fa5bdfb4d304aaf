/**
 * The documents a schema's `$ref`s resolve against: a port of schemaPool.go (parseReferences,
 * GetDocument), draft.go's parseSchemaURL, and jsonLoader.go's jsonReferenceLoader reduced to
 * what regent allows: the draft-04/06/07 meta-schemas gojsonschema keeps in memory. Any other
 * remote (`http(s)://`) or `file://` reference is refused with the error OPA gives when
 * `allow_net` excludes the host; regent never reaches the network or the disk from a policy.
 */
import { draftOfUrl, metaSchemaOf, type Draft } from './drafts.ts';
import { formatErrorDescription, LOCALE } from './errors.ts';
import {
  getPointer,
  inherits,
  isCanonical,
  newJsonReference,
  referenceString,
  withoutFragment,
  type JsonReference,
} from './reference.ts';
import { decodeJsonText, isMap, sortedKeys, type JsonValue } from './values.ts';

/** schemaPool.go schemaPoolDocument: a document and the draft its `$schema` declares. */
export interface PoolDocument {
  readonly document: JsonValue;
  readonly draft: Draft | undefined;
}

/** draft.go parseSchemaURL: the draft a root document declares with `$schema`, if any. */
export function parseSchemaUrl(document: JsonValue): Draft | undefined {
  if (typeof document === 'boolean') return undefined;
  if (!isMap(document)) throw new Error('schema is invalid');
  const value = document.get('$schema');
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new Error(formatErrorDescription(LOCALE.mustBeOfType, { key: '$schema', type: 'string' }));
  return draftOfUrl(referenceString(newJsonReference(value)));
}

/** schemaPool.go schemaPool: documents by absolute reference. */
export class SchemaPool {
  private readonly documents = new Map<string, PoolDocument>();

  /** parseReferences: registers `$id`s, rewrites `$ref`s to absolute ones, pools the document. */
  parseReferences(document: JsonValue, ref: JsonReference, pooled: boolean): void {
    const reference = referenceString(ref);
    if (pooled && this.documents.has(reference)) throw new Error(`Reference already exists: "${reference}"`);
    const draft = parseSchemaUrl(document);
    try {
      this.parseReferencesRecursive(document, ref, draft);
    } finally {
      if (pooled) this.documents.set(reference, { document, draft });
    }
  }

  private parseReferencesRecursive(document: JsonValue, ref: JsonReference, draft: Draft | undefined): void {
    if (Array.isArray(document)) {
      for (const v of document) this.parseReferencesRecursive(v, ref, draft);
      return;
    }
    if (!isMap(document)) return;
    let localRef = ref;
    const keyId = document.has('id') ? 'id' : '$id';
    const id = document.get(keyId);
    if (typeof id === 'string') {
      const resolved = tryResolve(ref, id);
      if (resolved !== undefined) {
        localRef = resolved;
        const key = referenceString(localRef);
        if (this.documents.has(key)) throw new Error(`Reference already exists: "${key}"`);
        this.documents.set(key, { document, draft });
      }
    }
    const $ref = document.get('$ref');
    if (typeof $ref === 'string') {
      const resolved = tryResolve(localRef, $ref);
      if (resolved !== undefined) document.set('$ref', referenceString(resolved));
    }
    // Go ranges over the map in random order; sorted keys make the first error found fixed.
    for (const k of sortedKeys(document)) {
      if (k === 'const' || k === 'enum') continue;
      const v = document.get(k) ?? null;
      if (k === 'properties' || k === 'dependencies' || k === 'patternProperties') {
        if (isMap(v)) for (const ck of sortedKeys(v)) this.parseReferencesRecursive(v.get(ck) ?? null, localRef, draft);
      } else {
        this.parseReferencesRecursive(v, localRef, draft);
      }
    }
  }

  /** GetDocument: a pooled document, a fragment of one, or a meta-schema. */
  getDocument(reference: JsonReference): PoolDocument {
    const full = referenceString(reference);
    const pooled = this.documents.get(full);
    if (pooled !== undefined) return pooled;
    const base = withoutFragment(reference);
    const cached = this.documents.get(referenceString(base));
    if (cached !== undefined) {
      const spd = { document: getPointer(reference, cached.document), draft: cached.draft };
      this.documents.set(full, spd);
      return spd;
    }
    if (!isCanonical(reference))
      throw new Error(formatErrorDescription(LOCALE.referenceMustBeCanonical, { reference: full }));
    const document = loadReference(reference);
    this.parseReferences(document, base, true);
    const draft = tryDraft(document);
    return { document: getPointer(reference, document), draft };
  }
}

function tryResolve(base: JsonReference, text: string): JsonReference | undefined {
  try {
    return inherits(base, newJsonReference(text));
  } catch {
    return undefined;
  }
}

function tryDraft(document: JsonValue): Draft | undefined {
  try {
    return parseSchemaUrl(document);
  } catch {
    return undefined;
  }
}

/**
 * jsonReferenceLoader.LoadJSON: the built-in meta-schemas only. OPA would read `file://` paths
 * and fetch other URLs (subject to `allow_net`); regent refuses both with OPA's refusal text.
 */
function loadReference(reference: JsonReference): JsonValue {
  const url = referenceString(withoutFragment(reference));
  const metaSchema = reference.hasFileScheme ? undefined : metaSchemaOf(url);
  if (metaSchema !== undefined) return decodeJsonText(metaSchema) ?? null;
  throw new Error(`remote reference loading disabled: ${referenceString(reference)}`);
}
