/**
 * Schema compilation: a port of schema.go (Schema.parse, parseSchema, parseReference,
 * parseProperties, parseDependencies and their error texts), subSchema.go (SubSchema),
 * schemaType.go (the `type` keyword), schemaReferencePool.go and schemaLoader.go's Compile with
 * OPA's settings (auto-detected draft, Hybrid by default, no meta-schema validation, `pattern`
 * compiled). Where Go ranges over a map (definitions, properties, patternProperties,
 * dependencies) keys are taken in sorted order: Go's order is random, so which of several
 * invalid sub-schemas is reported, and the order of errors about several properties, vary from
 * run to run in OPA and are fixed here.
 */
import { compileRe2, type Re2Pattern } from '../go-regexp-replace.ts';
import { HYBRID, type Draft } from './drafts.ts';
import { formatErrorDescription, LOCALE, STRINGS } from './errors.ts';
import { SchemaPool, parseSchemaUrl } from './pool.ts';
import { parseRat, ratIsInt, type Rat } from './rat.ts';
import { inherits, newJsonReference, referenceString, type JsonReference } from './reference.ts';
import { GoNumber, isMap, marshalWithoutNumber, sortedKeys, type JsonMap, type JsonValue } from './values.ts';

/** types.go JSONTypes. */
const JSON_TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'] as const;

/** subSchema.go SubSchema: one compiled (sub-)schema. */
export interface SubSchema {
  draft: Draft | undefined;
  id: JsonReference | undefined;
  property: string;
  pass: boolean | undefined;
  types: string[];
  ref: JsonReference | undefined;
  refSchema: SubSchema | undefined;
  parent: SubSchema | undefined;
  itemsChildren: SubSchema[];
  itemsChildrenIsSingleSchema: boolean;
  propertiesChildren: SubSchema[];
  multipleOf: Rat | undefined;
  maximum: Rat | undefined;
  exclusiveMaximum: Rat | undefined;
  minimum: Rat | undefined;
  exclusiveMinimum: Rat | undefined;
  minLength: number | undefined;
  maxLength: number | undefined;
  pattern: { source: string; re: Re2Pattern } | undefined;
  format: string;
  minProperties: number | undefined;
  maxProperties: number | undefined;
  required: string[];
  dependencies: Map<string, string[] | SubSchema> | undefined;
  additionalProperties: boolean | SubSchema | undefined;
  patternProperties: Map<string, SubSchema> | undefined;
  propertyNames: SubSchema | undefined;
  minItems: number | undefined;
  maxItems: number | undefined;
  uniqueItems: boolean;
  contains: SubSchema | undefined;
  additionalItems: boolean | SubSchema | undefined;
  const: string | undefined;
  enum: string[] | undefined;
  oneOf: SubSchema[];
  anyOf: SubSchema[];
  allOf: SubSchema[];
  not: SubSchema | undefined;
  if: SubSchema | undefined;
  then: SubSchema | undefined;
  else: SubSchema | undefined;
}

function newSubSchema(property: string, parent: SubSchema | undefined, ref?: JsonReference): SubSchema {
  return {
    draft: undefined,
    id: undefined,
    property,
    pass: undefined,
    types: [],
    ref,
    refSchema: undefined,
    parent,
    itemsChildren: [],
    itemsChildrenIsSingleSchema: false,
    propertiesChildren: [],
    multipleOf: undefined,
    maximum: undefined,
    exclusiveMaximum: undefined,
    minimum: undefined,
    exclusiveMinimum: undefined,
    minLength: undefined,
    maxLength: undefined,
    pattern: undefined,
    format: '',
    minProperties: undefined,
    maxProperties: undefined,
    required: [],
    dependencies: undefined,
    additionalProperties: undefined,
    patternProperties: undefined,
    propertyNames: undefined,
    minItems: undefined,
    maxItems: undefined,
    uniqueItems: false,
    contains: undefined,
    additionalItems: undefined,
    const: undefined,
    enum: undefined,
    oneOf: [],
    anyOf: [],
    allOf: [],
    not: undefined,
    if: undefined,
    then: undefined,
    else: undefined,
  };
}

const fail = (template: string, details: Record<string, string>): never => {
  throw new Error(formatErrorDescription(template, details));
};
const invalidType = (expected: string, given: string): never => fail(LOCALE.invalidType, { expected, given });

function getString(m: JsonMap, key: string): string | undefined {
  const v = m.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return invalidType('string', key);
  return v;
}

function getMap(m: JsonMap, key: string): JsonMap | undefined {
  const v = m.get(key);
  if (v === undefined) return undefined;
  if (!isMap(v)) return invalidType(STRINGS.schema, key);
  return v;
}

function getSlice(m: JsonMap, key: string): JsonValue[] | undefined {
  const v = m.get(key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return fail(LOCALE.mustBeOfAn, { x: key, y: 'array' });
  return v;
}

/** utils.go mustBeNumber. */
function mustBeNumber(v: JsonValue): Rat | undefined {
  return v instanceof GoNumber ? parseRat(v.text) : undefined;
}

/** utils.go mustBeInteger: an integral json.Number that strconv.ParseInt also reads. */
function mustBeInteger(v: JsonValue): number | undefined {
  if (!(v instanceof GoNumber)) return undefined;
  const r = parseRat(v.text);
  if (r === undefined || !ratIsInt(r)) return undefined;
  if (!/^[+-]?\d+$/.test(v.text)) return undefined;
  const n = BigInt(v.text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return Number(n);
}

function nonNegativeInteger(m: JsonMap, key: string): number | undefined {
  const v = m.get(key);
  if (v === undefined) return undefined;
  const n = mustBeInteger(v);
  if (n === undefined) return fail(LOCALE.mustBeOfAn, { x: key, y: 'integer' });
  if (n < 0) return fail(LOCALE.mustBeGTEZero, { key });
  return n;
}

/** schemaType.go jsonSchemaType.Add. */
function addType(schema: SubSchema, t: string): void {
  if (!(JSON_TYPES as readonly string[]).includes(t))
    fail(LOCALE.notAValidType, { given: `/${t}/`, expected: `[${JSON_TYPES.join(' ')}]` });
  if (schema.types.includes(t)) fail(LOCALE.duplicated, { type: t });
  schema.types.push(t);
}

/** Go's regexp.Compile (schema.go's `pattern` and patternProperties) via re2js; undefined if refused. */
export function compileGoRegexp(pattern: string): Re2Pattern | undefined {
  try {
    return compileRe2(pattern);
  } catch {
    return undefined;
  }
}

/** schema.go Schema: the compiled root and what `$ref`s resolved to. */
export class Schema {
  rootSchema: SubSchema = newSubSchema(STRINGS.rootSchemaProperty, undefined);
  private readonly referencePool = new Map<string, SubSchema>();

  private readonly pool: SchemaPool;
  private readonly documentReference: JsonReference;

  constructor(pool: SchemaPool, documentReference: JsonReference) {
    this.pool = pool;
    this.documentReference = documentReference;
  }

  /** Schema.parse. */
  parse(document: JsonValue, draft: Draft): void {
    this.rootSchema = newSubSchema(STRINGS.rootSchemaProperty, undefined);
    this.rootSchema.draft = draft;
    this.parseSchema(document, this.rootSchema);
  }

  private child(property: string, parent: SubSchema, value: JsonValue, withRef = true): SubSchema {
    const s = newSubSchema(property, parent, withRef ? parent.ref : undefined);
    this.parseSchema(value, s);
    return s;
  }

  private parseSchema(documentNode: JsonValue, current: SubSchema): void {
    if (current.draft === undefined) {
      if (current.parent === undefined) throw new Error('Draft not set');
      current.draft = current.parent.draft;
    }
    const draft = current.draft ?? HYBRID;
    if (draft >= 6 && typeof documentNode === 'boolean') {
      current.pass = documentNode;
      return;
    }
    if (!isMap(documentNode)) return fail(LOCALE.parseError, { expected: STRINGS.schema });
    const m = documentNode;
    if (current.parent === undefined) {
      current.ref = this.documentReference;
      current.id = this.documentReference;
    }
    if (current.id === undefined && current.parent !== undefined) current.id = current.parent.id;

    let keyId = '$id';
    if (draft === 4) keyId = 'id';
    else if (draft === HYBRID && m.has('id')) keyId = 'id';
    const id = getString(m, keyId);
    if (id !== undefined) {
      const reference = newJsonReference(id);
      if (current === this.rootSchema) current.id = reference;
      else {
        const parentId = current.parent?.id;
        if (parentId === undefined) throw new Error('parentUrl is nil!');
        current.id = inherits(parentId, reference);
      }
    }

    const definitions = m.get('definitions');
    if (definitions !== undefined) {
      if (!isMap(definitions)) invalidType(STRINGS.arrayOfSchemas, 'definitions');
      else
        for (const k of sortedKeys(definitions)) {
          const dv = definitions.get(k) ?? null;
          if (typeof dv !== 'boolean' && !isMap(dv)) invalidType(STRINGS.arrayOfSchemas, 'definitions');
          this.child('definitions', current, dv, false);
        }
    }

    getString(m, 'title');
    getString(m, 'description');

    const ref = getString(m, '$ref');
    if (ref !== undefined) {
      current.ref = newJsonReference(ref);
      const known = this.referencePool.get(referenceString(current.ref));
      if (known === undefined) {
        this.parseReference(current);
        return;
      }
      current.refSchema = known;
    }

    const type = m.get('type');
    if (type !== undefined) {
      if (typeof type === 'string') addType(current, type);
      else if (Array.isArray(type))
        for (const t of type) {
          if (typeof t !== 'string') invalidType('type', `string/${STRINGS.arrayOfStrings}`);
          else addType(current, t);
        }
      else invalidType('type', `string/${STRINGS.arrayOfStrings}`);
    }

    const properties = m.get('properties');
    if (properties !== undefined) {
      if (!isMap(properties)) fail(LOCALE.mustBeOfType, { key: STRINGS.properties, type: 'object' });
      else
        for (const k of sortedKeys(properties)) {
          const s = newSubSchema(k, current, current.ref);
          current.propertiesChildren.push(s);
          this.parseSchema(properties.get(k) ?? null, s);
        }
    }

    const additionalProperties = m.get('additionalProperties');
    if (additionalProperties !== undefined) {
      if (typeof additionalProperties === 'boolean') current.additionalProperties = additionalProperties;
      else if (isMap(additionalProperties)) {
        const s = newSubSchema('additionalProperties', current, current.ref);
        current.additionalProperties = s;
        this.parseSchema(additionalProperties, s);
      } else invalidType('boolean/Valid Schema', 'additionalProperties');
    }

    const patternProperties = getMap(m, 'patternProperties');
    if (patternProperties !== undefined && patternProperties.size > 0) {
      current.patternProperties = new Map();
      for (const k of sortedKeys(patternProperties)) {
        if (compileGoRegexp(k) === undefined) fail(LOCALE.regexPattern, { pattern: k });
        const s = newSubSchema(k, current, current.ref);
        this.parseSchema(patternProperties.get(k) ?? null, s);
        current.patternProperties.set(k, s);
      }
    }

    const propertyNames = m.get('propertyNames');
    if (propertyNames !== undefined && draft >= 6) {
      if (typeof propertyNames !== 'boolean' && !isMap(propertyNames))
        fail(LOCALE.invalidType, { expected: STRINGS.schema, given: 'patternProperties' });
      const s = newSubSchema('propertyNames', current, current.ref);
      current.propertyNames = s;
      this.parseSchema(propertyNames, s);
    }

    const dependencies = m.get('dependencies');
    if (dependencies !== undefined) this.parseDependencies(dependencies, current);

    const items = m.get('items');
    if (items !== undefined) {
      if (Array.isArray(items)) {
        for (const element of items) {
          if (typeof element !== 'boolean' && !isMap(element))
            invalidType(`${STRINGS.schema}/${STRINGS.arrayOfSchemas}`, 'items');
          const s = newSubSchema('items', current, current.ref);
          current.itemsChildren.push(s);
          this.parseSchema(element, s);
          current.itemsChildrenIsSingleSchema = false;
        }
      } else if (typeof items === 'boolean' || isMap(items)) {
        const s = newSubSchema('items', current, current.ref);
        current.itemsChildren.push(s);
        this.parseSchema(items, s);
        current.itemsChildrenIsSingleSchema = true;
      } else invalidType(`${STRINGS.schema}/${STRINGS.arrayOfSchemas}`, 'items');
    }

    const additionalItems = m.get('additionalItems');
    if (additionalItems !== undefined) {
      if (typeof additionalItems === 'boolean') current.additionalItems = additionalItems;
      else if (isMap(additionalItems)) {
        const s = newSubSchema('additionalItems', current, current.ref);
        current.additionalItems = s;
        this.parseSchema(additionalItems, s);
      } else invalidType('boolean/Valid Schema', 'additionalItems');
    }

    const multipleOf = m.get('multipleOf');
    if (multipleOf !== undefined) {
      const r = mustBeNumber(multipleOf);
      if (r === undefined) invalidType(STRINGS.number, 'multipleOf');
      else if (r.num <= 0n) fail(LOCALE.greaterThanZero, { number: 'multipleOf' });
      else current.multipleOf = r;
    }

    const minimum = m.get('minimum');
    if (minimum !== undefined) {
      current.minimum = mustBeNumber(minimum);
      if (current.minimum === undefined) fail(LOCALE.mustBeOfA, { x: 'minimum', y: STRINGS.number });
    }
    this.parseExclusive(m, current, draft, 'exclusiveMinimum', 'minimum');

    const maximum = m.get('maximum');
    if (maximum !== undefined) {
      current.maximum = mustBeNumber(maximum);
      if (current.maximum === undefined) fail(LOCALE.mustBeOfA, { x: 'maximum', y: STRINGS.number });
    }
    this.parseExclusive(m, current, draft, 'exclusiveMaximum', 'maximum');

    current.minLength = nonNegativeInteger(m, 'minLength');
    current.maxLength = nonNegativeInteger(m, 'maxLength');
    if (current.minLength !== undefined && current.maxLength !== undefined && current.minLength > current.maxLength)
      fail(LOCALE.cannotBeGT, { x: 'minLength', y: 'maxLength' });

    const pattern = getString(m, 'pattern');
    if (pattern !== undefined) {
      const re = compileGoRegexp(pattern);
      if (re === undefined) fail(LOCALE.mustBeValidRegex, { key: 'pattern' });
      else current.pattern = { source: pattern, re };
    }

    const format = getString(m, 'format');
    if (format !== undefined) current.format = format;

    current.minProperties = nonNegativeInteger(m, 'minProperties');
    current.maxProperties = nonNegativeInteger(m, 'maxProperties');
    if (
      current.minProperties !== undefined &&
      current.maxProperties !== undefined &&
      current.minProperties > current.maxProperties
    )
      fail(LOCALE.keyCannotBeGreaterThan, { key: 'minProperties', y: 'maxProperties' });

    for (const r of getSlice(m, 'required') ?? []) {
      if (typeof r !== 'string') invalidType('string', 'required');
      else if (current.required.includes(r)) fail(LOCALE.keyItemsMustBeUnique, { key: 'required' });
      else current.required.push(r);
    }

    current.minItems = nonNegativeInteger(m, 'minItems');
    current.maxItems = nonNegativeInteger(m, 'maxItems');

    const uniqueItems = m.get('uniqueItems');
    if (uniqueItems !== undefined) {
      if (typeof uniqueItems !== 'boolean') fail(LOCALE.mustBeOfA, { x: 'uniqueItems', y: 'boolean' });
      else current.uniqueItems = uniqueItems;
    }

    const contains = m.get('contains');
    if (contains !== undefined && draft >= 6) {
      const s = newSubSchema('contains', current, current.ref);
      current.contains = s;
      this.parseSchema(contains, s);
    }

    const vConst = m.get('const');
    if (vConst !== undefined && draft >= 6) current.const = marshalWithoutNumber(vConst);

    const vEnum = getSlice(m, 'enum');
    if (vEnum !== undefined) {
      current.enum = [];
      for (const v of vEnum) {
        const s = marshalWithoutNumber(v);
        if (current.enum.includes(s)) fail(LOCALE.keyItemsMustBeUnique, { key: 'enum' });
        current.enum.push(s);
      }
    }

    for (const [key, list] of [
      ['oneOf', current.oneOf],
      ['anyOf', current.anyOf],
      ['allOf', current.allOf],
    ] as const)
      for (const v of getSlice(m, key) ?? []) {
        const s = newSubSchema(key, current, current.ref);
        list.push(s);
        this.parseSchema(v, s);
      }

    current.not = this.optionalSchema(m, 'not', current);
    if (draft >= 7) {
      current.if = this.optionalSchema(m, 'if', current);
      current.then = this.optionalSchema(m, 'then', current);
      current.else = this.optionalSchema(m, 'else', current);
    }
  }

  /** not / if / then / else: a schema or an error `x must be of an object`. */
  private optionalSchema(m: JsonMap, key: string, current: SubSchema): SubSchema | undefined {
    const v = m.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean' && !isMap(v)) return fail(LOCALE.mustBeOfAn, { x: key, y: 'object' });
    return this.child(key, current, v);
  }

  private parseExclusive(
    m: JsonMap,
    current: SubSchema,
    draft: Draft,
    key: 'exclusiveMinimum' | 'exclusiveMaximum',
    plain: 'minimum' | 'maximum',
  ): void {
    const v = m.get(key);
    if (v === undefined) return;
    const fromBool = (b: boolean): void => {
      if (current[plain] === undefined) fail(LOCALE.cannotBeUsedWithout, { x: key, y: plain });
      if (b) {
        current[key] = current[plain];
        current[plain] = undefined;
      }
    };
    if (draft === 4) {
      if (typeof v !== 'boolean') invalidType('boolean', key);
      else fromBool(v);
    } else if (draft === HYBRID) {
      if (typeof v === 'boolean') fromBool(v);
      else if (v instanceof GoNumber) current[key] = mustBeNumber(v);
      else invalidType('boolean/number', key);
    } else if (v instanceof GoNumber) current[key] = mustBeNumber(v);
    else invalidType('number', key);
  }

  /** schema.go parseReference: the referenced document compiled once per reference. */
  private parseReference(current: SubSchema): void {
    const reference = current.ref as JsonReference;
    const s = newSubSchema('$ref', current, current.ref);
    const key = referenceString(reference);
    if (!this.referencePool.has(key)) this.referencePool.set(key, s);
    const spd = this.pool.getDocument(reference);
    s.id = current.ref;
    s.draft = spd.draft;
    if (typeof spd.document !== 'boolean' && !isMap(spd.document))
      fail(LOCALE.mustBeOfType, { key: STRINGS.schema, type: 'object' });
    this.parseSchema(spd.document, s);
    current.refSchema = s;
  }

  private parseDependencies(node: JsonValue, current: SubSchema): void {
    if (!isMap(node)) return fail(LOCALE.mustBeOfType, { key: 'dependencies', type: 'object' });
    current.dependencies = new Map();
    const wrong = { key: STRINGS.dependency, type: STRINGS.schemaOrArrayOfStrings };
    for (const k of sortedKeys(node)) {
      const v = node.get(k) ?? null;
      if (Array.isArray(v)) {
        const names: string[] = [];
        for (const value of v) {
          if (typeof value !== 'string') fail(LOCALE.mustBeOfType, wrong);
          else {
            names.push(value);
            current.dependencies.set(k, names);
          }
        }
      } else if (typeof v === 'boolean' || isMap(v)) {
        const s = newSubSchema(k, current, current.ref);
        this.parseSchema(v, s);
        current.dependencies.set(k, s);
      } else fail(LOCALE.mustBeOfType, wrong);
    }
  }
}

/**
 * schemaLoader.go SchemaLoader.Compile as OPA calls it (a string or Go-value loader: reference `#`, the document
 * pooled under ""), throwing gojsonschema's error text for an invalid schema.
 */
export function compileSchema(document: JsonValue): Schema {
  const ref = newJsonReference('#');
  const pool = new SchemaPool();
  const schema = new Schema(pool, ref);
  pool.parseReferences(document, ref, true);
  const draft = parseSchemaUrl(document) ?? HYBRID;
  schema.parse(document, draft);
  return schema;
}
