/**
 * Document validation: a port of validation.go (validateRecursive, validateSchema,
 * validateCommon, validateArray, validateObject, validatePatternProperty, validateString,
 * validateNumber), with the same error order and anyOf/oneOf/contains scoring. Where Go ranges
 * over a map (an object's properties for additionalProperties, dependencies and propertyNames;
 * patternProperties) keys are taken in sorted order, so errors about several properties of one
 * object come in key order here and in Go's random map order in OPA.
 */
import { JsonContext, Result, STRINGS } from './errors.ts';
import { isFormat } from './formats.ts';
import { formatBigFloat, parseRat, quotientIsInt, ratIsInt, compareRat, type Rat } from './rat.ts';
import { compileGoRegexp, type Schema, type SubSchema } from './schema.ts';
import { GoNumber, isMap, marshalWithoutNumber, sortedKeys, type JsonMap, type JsonValue } from './values.ts';

/** validation.go Schema.Validate (validateDocument) on a decoded document. */
export function validateDocument(schema: Schema, document: JsonValue): Result {
  const result = new Result();
  validateRecursive(schema.rootSchema, document, result, new JsonContext(STRINGS.contextRoot, undefined));
  return result;
}

function subValidate(schema: SubSchema, document: JsonValue, context: JsonContext): Result {
  const result = new Result();
  validateRecursive(schema, document, result, context);
  return result;
}

/** jsonSchemaType.String: one type by name, several as `[a,b]`. */
function typesString(s: SubSchema): string {
  if (s.types.length === 0) return STRINGS.undefined;
  return s.types.length > 1 ? `[${s.types.join(',')}]` : (s.types[0] ?? '');
}

function typeMismatch(s: SubSchema, given: string, result: Result, context: JsonContext): boolean {
  if (s.types.length > 0 && !s.types.includes(given)) {
    result.add('invalidType', context, { expected: typesString(s), given });
    return true;
  }
  return false;
}

function validateRecursive(s: SubSchema, node: JsonValue, result: Result, context: JsonContext): void {
  if (s.pass !== undefined) {
    if (!s.pass) result.add('false', context);
    return;
  }
  if (s.refSchema !== undefined) {
    validateRecursive(s.refSchema, node, result, context);
    return;
  }
  if (node === null) {
    if (typeMismatch(s, 'null', result, context)) return;
    validateSchema(s, node, result, context);
    validateCommon(s, node, result, context);
  } else if (node instanceof GoNumber) {
    const value = parseRat(node.text);
    const isInt = value !== undefined && ratIsInt(value);
    const valid = s.types.includes('number') || (isInt && s.types.includes('integer'));
    if (s.types.length > 0 && !valid) {
      result.add('invalidType', context, { expected: typesString(s), given: isInt ? 'integer' : 'number' });
      return;
    }
    validateSchema(s, node, result, context);
    if (value !== undefined) validateNumber(s, value, result, context);
    validateCommon(s, node, result, context);
  } else if (Array.isArray(node)) {
    if (typeMismatch(s, 'array', result, context)) return;
    validateSchema(s, node, result, context);
    validateArray(s, node, result, context);
    validateCommon(s, node, result, context);
  } else if (isMap(node)) {
    if (typeMismatch(s, 'object', result, context)) return;
    validateSchema(s, node, result, context);
    validateObject(s, node, result, context);
    validateCommon(s, node, result, context);
    for (const p of s.propertiesChildren) {
      const next = node.get(p.property);
      if (next !== undefined) validateRecursive(p, next, result, new JsonContext(p.property, context));
    }
  } else if (typeof node === 'boolean') {
    if (typeMismatch(s, 'boolean', result, context)) return;
    validateSchema(s, node, result, context);
    validateCommon(s, node, result, context);
  } else {
    if (typeMismatch(s, 'string', result, context)) return;
    validateSchema(s, node, result, context);
    validateCommon(s, node, result, context);
    validateString(s, node, result, context);
  }
  result.increment();
}

function validateSchema(s: SubSchema, node: JsonValue, result: Result, context: JsonContext): void {
  if (s.anyOf.length > 0) {
    let validated = false;
    let best: Result | undefined;
    for (const anyOf of s.anyOf) {
      if (validated) continue;
      const r = subValidate(anyOf, node, context);
      validated = r.valid();
      if (!validated && (best === undefined || r.score > best.score)) best = r;
    }
    if (!validated) {
      result.add('anyOf', context);
      if (best !== undefined) result.merge(best);
    }
  }

  if (s.oneOf.length > 0) {
    let validated = 0;
    let best: Result | undefined;
    for (const oneOf of s.oneOf) {
      const r = subValidate(oneOf, node, context);
      if (r.valid()) validated++;
      else if (validated === 0 && (best === undefined || r.score > best.score)) best = r;
    }
    if (validated !== 1) {
      result.add('oneOf', context);
      if (validated === 0 && best !== undefined) result.merge(best);
    }
  }

  if (s.allOf.length > 0) {
    let validated = 0;
    for (const allOf of s.allOf) {
      const r = subValidate(allOf, node, context);
      if (r.valid()) validated++;
      result.merge(r);
    }
    if (validated !== s.allOf.length) result.add('allOf', context);
  }

  if (s.not !== undefined && subValidate(s.not, node, context).valid()) result.add('not', context);

  if (s.dependencies !== undefined && s.dependencies.size > 0 && isMap(node)) {
    for (const key of sortedKeys(node)) {
      const dependency = s.dependencies.get(key);
      if (dependency === undefined) continue;
      if (Array.isArray(dependency)) {
        for (const on of dependency) if (!node.has(on)) result.add('missingDependency', context, { dependency: on });
      } else validateRecursive(dependency, node, result, context);
    }
  }

  if (s.if !== undefined) {
    const ifValid = subValidate(s.if, node, context).valid();
    if (s.then !== undefined && ifValid) {
      const r = subValidate(s.then, node, context);
      if (!r.valid()) {
        result.add('conditionThen', context);
        result.merge(r);
      }
    }
    if (s.else !== undefined && !ifValid) {
      const r = subValidate(s.else, node, context);
      if (!r.valid()) {
        result.add('conditionElse', context);
        result.merge(r);
      }
    }
  }
  result.increment();
}

function validateCommon(s: SubSchema, value: JsonValue, result: Result, context: JsonContext): void {
  if (s.const !== undefined) {
    if (marshalWithoutNumber(value) !== s.const) result.add('const', context, { allowed: s.const });
  }
  if (s.enum !== undefined) {
    if (!s.enum.includes(marshalWithoutNumber(value))) result.add('enum', context, { allowed: s.enum.join(', ') });
  }
  if (s.format !== '' && !isFormat(s.format, value)) result.add('format', context, { format: s.format });
  result.increment();
}

function validateArray(s: SubSchema, value: JsonValue[], result: Result, context: JsonContext): void {
  const n = value.length;
  if (s.itemsChildrenIsSingleSchema) {
    const items = s.itemsChildren[0];
    if (items !== undefined)
      value.forEach((v, i) => result.merge(subValidate(items, v, new JsonContext(String(i), context))));
  } else if (s.itemsChildren.length > 0) {
    const nbItems = s.itemsChildren.length;
    for (let i = 0; i !== nbItems && i !== n; i++) {
      const child = s.itemsChildren[i] as SubSchema;
      result.merge(subValidate(child, value[i] ?? null, new JsonContext(String(i), context)));
    }
    if (nbItems < n) {
      if (s.additionalItems === false) result.add('noAdditionalItems', context);
      else if (typeof s.additionalItems === 'object')
        for (let i = nbItems; i !== n; i++)
          result.merge(subValidate(s.additionalItems, value[i] ?? null, new JsonContext(String(i), context)));
    }
  }
  if (s.minItems !== undefined && n < s.minItems) result.add('minItems', context, { min: String(s.minItems) });
  if (s.maxItems !== undefined && n > s.maxItems) result.add('maxItems', context, { max: String(s.maxItems) });
  if (s.uniqueItems) {
    const seen = new Map<string, number>();
    value.forEach((v, j) => {
      const key = marshalWithoutNumber(v);
      const i = seen.get(key);
      if (i !== undefined) result.add('unique', context, { type: 'array', i: String(i), j: String(j) });
      seen.set(key, j);
    });
  }
  if (s.contains !== undefined) {
    let validatedOne = false;
    let best: Result | undefined;
    for (let i = 0; i < n; i++) {
      const r = subValidate(s.contains, value[i] ?? null, new JsonContext(String(i), context));
      if (r.valid()) {
        validatedOne = true;
        break;
      }
      if (best === undefined || r.score > best.score) best = r;
    }
    if (!validatedOne) {
      result.add('contains', context);
      if (best !== undefined) result.merge(best);
    }
  }
  result.increment();
}

/** regexp.MatchString: an unanchored search (the pattern compiled when the schema was). */
function matches(pattern: string, s: string): boolean {
  return compileGoRegexp(pattern)?.re.matcher(s).find() ?? false;
}

function validateObject(s: SubSchema, value: JsonMap, result: Result, context: JsonContext): void {
  if (s.minProperties !== undefined && value.size < s.minProperties)
    result.add('minProperties', context, { min: String(s.minProperties) });
  if (s.maxProperties !== undefined && value.size > s.maxProperties)
    result.add('maxProperties', context, { max: String(s.maxProperties) });
  for (const required of s.required) {
    if (value.has(required)) result.increment();
    else result.add('required', context, { property: required });
  }
  const keys = sortedKeys(value);
  for (const pk of keys) {
    const found = s.propertiesChildren.some((p) => p.property === pk);
    const v = value.get(pk) ?? null;
    const ppMatch = validatePatternProperty(s, pk, v, result, context);
    if (!found && !ppMatch) {
      const ap = s.additionalProperties;
      if (ap === false) result.add('additionalProperty', context, { property: pk });
      else if (typeof ap === 'object') result.merge(subValidate(ap, v, new JsonContext(pk, context)));
    }
  }
  if (s.propertyNames !== undefined) {
    for (const pk of keys) {
      const r = subValidate(s.propertyNames, pk, context);
      if (!r.valid()) {
        result.add('invalidPropertyName', context, { property: pk });
        result.merge(r);
      }
    }
  }
  result.increment();
}

function validatePatternProperty(
  s: SubSchema,
  key: string,
  value: JsonValue,
  result: Result,
  context: JsonContext,
): boolean {
  let validated = false;
  for (const [pk, pv] of s.patternProperties ?? []) {
    if (matches(pk, key)) {
      validated = true;
      result.merge(subValidate(pv, value, new JsonContext(key, context)));
    }
  }
  if (!validated) return false;
  result.increment();
  return true;
}

/** utf8.RuneCountInString: code points (strings here are well-formed). */
function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    n++;
    if ((s.codePointAt(i) ?? 0) > 0xffff) i++;
  }
  return n;
}

function validateString(s: SubSchema, value: string, result: Result, context: JsonContext): void {
  const length = runeCount(value);
  if (s.minLength !== undefined && length < s.minLength) result.add('stringGTE', context, { min: String(s.minLength) });
  if (s.maxLength !== undefined && length > s.maxLength) result.add('stringLTE', context, { max: String(s.maxLength) });
  if (s.pattern !== undefined && !s.pattern.re.re.matcher(value).find())
    result.add('pattern', context, { pattern: s.pattern.source });
  result.increment();
}

function validateNumber(s: SubSchema, value: Rat, result: Result, context: JsonContext): void {
  if (s.multipleOf !== undefined && !quotientIsInt(value, s.multipleOf))
    result.add('multipleOf', context, { multiple: formatBigFloat(s.multipleOf) });
  if (s.maximum !== undefined && compareRat(value, s.maximum) === 1)
    result.add('numberLTE', context, { max: formatBigFloat(s.maximum) });
  if (s.exclusiveMaximum !== undefined && compareRat(value, s.exclusiveMaximum) >= 0)
    result.add('numberLT', context, { max: formatBigFloat(s.exclusiveMaximum) });
  if (s.minimum !== undefined && compareRat(value, s.minimum) === -1)
    result.add('numberGTE', context, { min: formatBigFloat(s.minimum) });
  if (s.exclusiveMinimum !== undefined && compareRat(value, s.exclusiveMinimum) <= 0)
    result.add('numberGT', context, { min: formatBigFloat(s.exclusiveMinimum) });
  result.increment();
}
