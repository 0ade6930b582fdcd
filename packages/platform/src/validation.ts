import { PATTERN_MESSAGE } from '@publisher/contracts';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { findUnstorable } from './storable.ts';

/**
 * Two Ajv instances: request bodies are validated strictly (no type coercion: `"5"` is not a site
 * id, unknown fields are refused rather than silently dropped), while params, query strings and
 * headers, which arrive as strings, are coerced to the schema's types.
 */
function createAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: true,
    strict: false,
    // Errors carry the schema they broke (only failures pay for it): a pattern's message in words
    // is read from there (`PATTERN_MESSAGE`).
    verbose: true,
  });
  // ajv-formats is CommonJS: under NodeNext the default import is its `module.exports`, whose
  // `default` is the plugin (typed as such, and set at run time).
  ajvFormats.default(ajv);
  return ajv;
}

const strictAjv = createAjv(false);
const coercingAjv = createAjv(true);

/**
 * Fastify validator compiler (set by the platform): strict for bodies, coercing elsewhere. After the
 * schema, every part (body, params, query string, headers) must hold only strings PostgreSQL can
 * store — no U+0000, no unpaired surrogate, in values and in keys, at any depth — so such input is a
 * 400 naming the field on every route, never a database error (`storable.ts`).
 * @example
 * app.setValidatorCompiler(validatorCompiler);
 */
export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
  const validate = ajv.compile(schema as object);
  const numeric = httpPart === 'body' ? new Map<string, RegExp>() : numericFields(schema);
  const checked = ((data: unknown) => {
    const loose = looseNumbers(numeric, data);
    if (loose.length > 0) {
      checked.errors = loose;
      return false;
    }
    if (!validate(data)) {
      checked.errors = validate.errors;
      return false;
    }
    const unstorable = findUnstorable(data);
    if (unstorable.length === 0) {
      checked.errors = null;
      return true;
    }
    checked.errors = unstorable.map((u) => ({ keyword: 'storable', params: {}, schemaPath: '', ...u }));
    return false;
  }) as ValidateFunction;
  return checked;
};

/** A number as a query string or path writes it: decimal digits, nothing around them. */
const DECIMAL = { integer: /^-?\d+$/, number: /^-?\d+(\.\d+)?$/ } as const;

/**
 * The fields of a string-typed part (query string, params, headers) whose schema is a number or an
 * integer, or an array of them: what Ajv's coercion would take from any string JavaScript reads as
 * a number (`0x10`, `1e1`, ` 5`).
 */
function numericFields(schema: unknown): Map<string, RegExp> {
  const fields = new Map<string, RegExp>();
  const properties = (schema as { properties?: Record<string, { type?: unknown; items?: { type?: unknown } }> })
    .properties;
  for (const [name, property] of Object.entries(properties ?? {})) {
    const type = property.type === 'array' ? property.items?.type : property.type;
    if (type === 'integer' || type === 'number') fields.set(name, DECIMAL[type]);
  }
  return fields;
}

/** Errors, as Ajv words them, for numeric fields not written in plain decimal. */
function looseNumbers(fields: ReadonlyMap<string, RegExp>, data: unknown): ErrorObject[] {
  if (fields.size === 0 || typeof data !== 'object' || data === null) return [];
  const errors: ErrorObject[] = [];
  for (const [name, decimal] of fields) {
    const value = (data as Record<string, unknown>)[name];
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && !decimal.test(v))) {
      const type = decimal === DECIMAL.integer ? 'integer' : 'number';
      errors.push({
        keyword: 'type',
        instancePath: `/${name}`,
        schemaPath: `#/properties/${name}/type`,
        params: { type },
        message: `must be ${type}`,
      });
    }
  }
  return errors;
}

/**
 * Turns Ajv errors into the envelope's `errors` map: field path → messages. Body fields are named by
 * their path (`site_id`, `destinations.0.destination`), other parts are prefixed (`params.id`). A
 * field that must be one of several constants gets one message naming them all, a field whose
 * format is wrong is told that, not also the pattern that guards the same format, and a pattern
 * whose schema says in words what it asks for (`PATTERN_MESSAGE`) is told in those words.
 * @example
 * fieldErrors(err.validation, 'body') // { site_id: ['must be >= 1'], color: ['is not allowed'] }
 * fieldErrors(err.validation, 'querystring') // { 'querystring.status.0': ['must be one of: pending, publishing, published, failed'] }
 */
export function fieldErrors(
  errors: readonly Partial<ErrorObject>[],
  part: string | undefined,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const allowed = new Map<string, unknown[]>();
  const formats = new Set<string>();
  const prefix = part && part !== 'body' ? `${part}.` : '';
  const fieldOf = (path: string) => `${prefix}${path}` || part || 'body';
  for (const e of errors) {
    if (e.keyword === 'format') formats.add(fieldOf(pathOf(e)));
  }
  for (const e of errors) {
    // anyOf/oneOf wrappers repeat what their branches already said, a propertyNames wrapper what
    // the key broke (`property name must be valid`).
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'propertyNames') continue;
    let path = pathOf(e);
    // An error about an object's key (inside propertyNames) says so: `key must NOT have more than 100 characters`.
    let message = `${e.propertyName === undefined ? '' : 'key '}${e.message ?? 'is invalid'}`;
    const params = (e.params ?? {}) as Record<string, unknown>;
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
      path = joinPath(path, params.missingProperty);
      message = 'is required';
    } else if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      path = joinPath(path, params.additionalProperty);
      message = 'is not allowed';
    }
    // A parameter repeated in the query string (`site_id=7&site_id=8`) arrives as an array.
    const repeated =
      part === 'querystring' && Array.isArray(e.data) && e.keyword !== 'minItems' && e.keyword !== 'maxItems';
    if (repeated && e.keyword === 'type') message = 'must be given once';
    const field = fieldOf(path);
    if (e.keyword === 'pattern' && formats.has(field)) continue;
    if (e.keyword === 'pattern') message = patternMessage(e) ?? message;
    if (e.keyword === 'const' || (e.keyword === 'enum' && Array.isArray(params.allowedValues))) {
      // A repeated parameter's values may each be allowed: being repeated is its fault, said above.
      if (repeated) continue;
      const values = allowed.get(field) ?? [];
      values.push(...(e.keyword === 'const' ? [params.allowedValue] : (params.allowedValues as unknown[])));
      allowed.set(field, values);
      continue;
    }
    const messages = out[field] ?? [];
    if (!messages.includes(message)) messages.push(message);
    out[field] = messages;
  }
  for (const [field, values] of allowed) {
    const names = [...new Set(values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))))];
    const message = names.length === 1 ? `must be ${names[0]}` : `must be one of: ${names.join(', ')}`;
    out[field] = [...(out[field] ?? []), message];
  }
  // A nullable field's value that fails its other branch: a wrong type is told both types
  // (`must be string or null`); a right type that breaks a rule (too long, …) is told that rule alone.
  for (const [field, messages] of Object.entries(out)) {
    if (messages.length < 2 || !messages.includes(MUST_BE_NULL)) continue;
    const rest = messages.filter((m) => m !== MUST_BE_NULL);
    const typed = rest.findIndex((m) => /^must be [\w-]+$/.test(m));
    if (typed !== -1) rest[typed] = `${rest[typed]} or null`;
    out[field] = rest;
  }
  return out;
}

/** Ajv's message for the `null` branch of a nullable field. */
const MUST_BE_NULL = 'must be null';

/** What a broken pattern's schema says it asks for, if it says. */
function patternMessage(e: Partial<ErrorObject>): string | undefined {
  const worded = (e.parentSchema as Record<string, unknown> | undefined)?.[PATTERN_MESSAGE];
  return typeof worded === 'string' ? worded : undefined;
}

/** The error's place as a dotted path (`destinations.0.destination`; empty for the part itself). */
function pathOf(e: Partial<ErrorObject>): string {
  return (e.instancePath ?? '').split('/').filter(Boolean).join('.');
}

function joinPath(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}
