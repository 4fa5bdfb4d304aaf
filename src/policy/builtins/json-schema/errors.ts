/**
 * gojsonschema's validation errors and their English texts: a port of errors.go (the error types,
 * newError, formatErrorDescription), locales.go (DefaultLocale's templates), result.go (Result,
 * ResultErrorFields.Field/String, the score used to pick anyOf/oneOf's closest branch) and
 * jsonContext.go (the `(Root).a.0` paths).
 */

/** result.go ErrorDetails: values filled into a template, already printed as Go's text/template prints them. */
export type ErrorDetails = Record<string, string>;

/** errors.go formatErrorDescription: text/template with `{{.key}}` actions only (all DefaultLocale uses). */
export function formatErrorDescription(template: string, details: ErrorDetails): string {
  return template.replace(/\{\{\.([A-Za-z]+)\}\}/g, (_, key: string) => details[key] ?? '<no value>');
}

/** DefaultLocale's texts for schema errors (locales.go). */
export const LOCALE = {
  regexPattern: `Invalid regex pattern '{{.pattern}}'`,
  greaterThanZero: `{{.number}} must be strictly greater than 0`,
  mustBeOfA: `{{.x}} must be of a {{.y}}`,
  mustBeOfAn: `{{.x}} must be of an {{.y}}`,
  cannotBeUsedWithout: `{{.x}} cannot be used without {{.y}}`,
  cannotBeGT: `{{.x}} cannot be greater than {{.y}}`,
  mustBeOfType: `{{.key}} must be of type {{.type}}`,
  mustBeValidRegex: `{{.key}} must be a valid regex`,
  mustBeGTEZero: `{{.key}} must be greater than or equal to 0`,
  keyCannotBeGreaterThan: `{{.key}} cannot be greater than {{.y}}`,
  keyItemsMustBeUnique: `{{.key}} items must be unique`,
  referenceMustBeCanonical: `Reference {{.reference}} must be canonical`,
  notAValidType: `has a primitive type that is NOT VALID -- given: {{.given}} Expected valid values are:{{.expected}}`,
  duplicated: `{{.type}} type is duplicated`,
  parseError: `Expected: {{.expected}}, given: Invalid JSON`,
  invalidType: `Invalid type. Expected: {{.expected}}, given: {{.given}}`,
} as const;

/** locales.go's constant strings. */
export const STRINGS = {
  number: 'Number',
  arrayOfStrings: 'Array Of Strings',
  arrayOfSchemas: 'Array Of Schemas',
  schema: 'Valid Schema',
  schemaOrArrayOfStrings: 'Schema Or Array Of Strings',
  properties: 'Properties',
  dependency: 'Dependency',
  undefined: 'Undefined',
  contextRoot: '(Root)',
  rootSchemaProperty: '(Root)',
} as const;

/** The error types newError knows: type string and DefaultLocale template. */
const KINDS = {
  false: ['false', 'False always fails validation'],
  required: ['required', '{{.property}} is required'],
  invalidType: ['invalid_type', LOCALE.invalidType],
  anyOf: ['number_any_of', 'Must validate at least one schema (anyOf)'],
  oneOf: ['number_one_of', 'Must validate one and only one schema (oneOf)'],
  allOf: ['number_all_of', 'Must validate all the schemas (allOf)'],
  not: ['number_not', 'Must not validate the schema (not)'],
  missingDependency: ['missing_dependency', 'Has a dependency on {{.dependency}}'],
  internal: ['internal', 'Internal Error {{.error}}'],
  const: ['const', '{{.field}} does not match: {{.allowed}}'],
  enum: ['enum', '{{.field}} must be one of the following: {{.allowed}}'],
  noAdditionalItems: ['array_no_additional_items', 'No additional items allowed on array'],
  minItems: ['array_min_items', 'Array must have at least {{.min}} items'],
  maxItems: ['array_max_items', 'Array must have at most {{.max}} items'],
  unique: ['unique', '{{.type}} items[{{.i}},{{.j}}] must be unique'],
  contains: ['contains', 'At least one of the items must match'],
  minProperties: ['array_min_properties', 'Must have at least {{.min}} properties'],
  maxProperties: ['array_max_properties', 'Must have at most {{.max}} properties'],
  additionalProperty: ['additional_property_not_allowed', 'Additional property {{.property}} is not allowed'],
  invalidPropertyName: ['invalid_property_name', 'Property name of "{{.property}}" does not match'],
  stringGTE: ['string_gte', 'String length must be greater than or equal to {{.min}}'],
  stringLTE: ['string_lte', 'String length must be less than or equal to {{.max}}'],
  pattern: ['pattern', "Does not match pattern '{{.pattern}}'"],
  format: ['format', "Does not match format '{{.format}}'"],
  multipleOf: ['multiple_of', 'Must be a multiple of {{.multiple}}'],
  numberGTE: ['number_gte', 'Must be greater than or equal to {{.min}}'],
  numberGT: ['number_gt', 'Must be greater than {{.min}}'],
  numberLTE: ['number_lte', 'Must be less than or equal to {{.max}}'],
  numberLT: ['number_lt', 'Must be less than {{.max}}'],
  conditionThen: ['condition_then', 'Must validate "then" as "if" was valid'],
  conditionElse: ['condition_else', 'Must validate "else" as "if" was not valid'],
} as const;

/** Names of the validation errors (errors.go's types). */
export type ErrorKind = keyof typeof KINDS;

/** jsonContext.go's JSONContext: a persistent list of path segments, innermost first. */
export class JsonContext {
  readonly head: string;
  readonly tail: JsonContext | undefined;

  constructor(head: string, tail: JsonContext | undefined) {
    this.head = head;
    this.tail = tail;
  }

  /** JSONContext.String: segments joined with ".". */
  toString(): string {
    return this.tail === undefined ? this.head : `${this.tail.toString()}.${this.head}`;
  }
}

/** result.go ResultError: one validation error as OPA's builtin reads it. */
export interface ResultError {
  readonly type: string;
  readonly field: string;
  readonly description: string;
}

/** result.go ResultErrorFields.String: locales.go's ErrorFormat `{{.field}}: {{.description}}`. */
export function errorString(e: ResultError): string {
  return `${e.field}: ${e.description}`;
}

/** ResultErrorFields.Field: the context without the leading `(Root).`. */
function fieldOf(context: JsonContext): string {
  const s = context.toString();
  const prefix = `${STRINGS.rootSchemaProperty}.`;
  return s.startsWith(prefix) ? s.slice(prefix.length) : s;
}

/** result.go's Result: errors in order and the score anyOf/oneOf/contains compare. */
export class Result {
  readonly errors: ResultError[] = [];
  score = 0;

  /** Valid: no errors. */
  valid(): boolean {
    return this.errors.length === 0;
  }

  /** addInternalError with newError: type, field and the described template. */
  add(kind: ErrorKind, context: JsonContext, details: ErrorDetails = {}): void {
    const [type, template] = KINDS[kind];
    const field = fieldOf(context);
    const all: ErrorDetails = { context: context.toString(), ...details, field };
    this.errors.push({ type, field, description: formatErrorDescription(template, all) });
    this.score -= 2;
  }

  /** mergeErrors. */
  merge(other: Result): void {
    this.errors.push(...other.errors);
    this.score += other.score;
  }

  /** incrementScore. */
  increment(): void {
    this.score++;
  }
}
