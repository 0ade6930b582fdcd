import fc from 'fast-check';

/** The subset of JSON Schema the route schemas use (as @fastify/swagger writes them into OpenAPI). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

/**
 * Any UTF-16 string: every code unit is possible, so U+0000 and unpaired surrogates come up often,
 * besides whole emoji and plain text. These are schema-valid wherever a string has no pattern or
 * format, which is exactly where a server must still answer 4xx rather than 5xx.
 */
export function anyText(maxLength = 30): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.nat(0xffff).map((c) => String.fromCharCode(c)) },
    { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d', '\n', '\u2028', '"', '\\') },
  );
  return fc.array(unit, { maxLength }).map((parts) => parts.join('').slice(0, maxLength));
}

/** Free-form JSON (the schema `{}`), with `anyText` strings and keys, a few levels deep. */
function anyJson(depth = 3): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    anyText(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  if (depth === 0) return leaf;
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(anyJson(depth - 1), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(anyText(12), anyJson(depth - 1), { maxKeys: 4 }) },
  );
}

const FIRST_DATE = new Date('0001-01-01T00:00:00.000Z');
const LAST_DATE = new Date('9999-12-31T23:59:59.999Z');

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const max = schema.maxLength ?? 60;
  const min = schema.minLength ?? 0;
  const fits = (s: string) => s.length >= min && s.length <= max;
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'uri')
    return fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true }).filter(fits);
  // RFC 3339 years have four digits: 0001–9999 (fast-check's own range writes `+275760-…`).
  if (schema.format === 'date-time')
    return fc.date({ min: FIRST_DATE, max: LAST_DATE, noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  return anyText(Math.min(max, 60)).filter(fits);
}

/** A parameter of an operation in an OpenAPI document. */
export interface OpenApiParameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

/**
 * Values valid against `schema`, for property-based tests of what a client generated from the
 * OpenAPI document could send.
 * @example
 * fc.assert(fc.asyncProperty(arbitraryFor(bodySchema), async (body) => { … }));
 */
export function arbitraryFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map(arbitraryFor));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 - 1 });
    case 'number':
      return fc.double({ min: schema.minimum, max: schema.maximum, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryFor(schema.items ?? {}), {
        minLength: schema.minItems,
        maxLength: schema.maxItems ?? 4,
      });
    case 'object':
      return objectFor(schema);
    default:
      return anyJson();
  }
}

function objectFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  if (names.length > 0) {
    const required = new Set(schema.required ?? []);
    const record = fc.record(
      Object.fromEntries(names.map((n) => [n, arbitraryFor(properties[n] as JsonSchema)])) as Record<
        string,
        fc.Arbitrary<unknown>
      >,
      { requiredKeys: names.filter((n) => required.has(n)) },
    );
    return record.filter((o) => Object.keys(o as object).length >= (schema.minProperties ?? 0));
  }
  const values =
    typeof schema.additionalProperties === 'object'
      ? arbitraryFor(schema.additionalProperties)
      : schema.patternProperties
        ? arbitraryFor(Object.values(schema.patternProperties)[0] ?? {})
        : anyJson(2);
  return fc.dictionary(anyText(20), values, {
    minKeys: schema.minProperties ?? 0,
    maxKeys: Math.min(schema.maxProperties ?? 6, 6),
  });
}

/**
 * A query value or path segment as it travels: the string's UTF-8 bytes, percent-encoded but for
 * the unreserved characters (a lone surrogate becomes U+FFFD, as a browser sends it).
 */
export const percentEncode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

/** Query values as they travel, already encoded: percent signs that decode to nothing valid, invalid UTF-8, NUL. */
const RAW_VALUES = ['%', '%zz', '%ff', '%ED%A0%80', '%C0%80', '%00', '%E2%80', '+', '%2C', ',', ''];

/** A value its schema allows, as it travels (an array as repeated parameters). */
function validValue(p: OpenApiParameter, known: Record<string, unknown>): fc.Arbitrary<string[]> {
  const encoded = (v: unknown) =>
    Array.isArray(v) ? v.map((x) => percentEncode(String(x))) : [percentEncode(String(v))];
  const drawn = arbitraryFor(p.schema).map(encoded);
  return p.name in known ? fc.oneof(fc.constant(encoded(known[p.name])), drawn) : drawn;
}

/** A value its schema may refuse: any text, numbers out of range, lists where one value goes, broken encoding. */
function hostileValue(p: OpenApiParameter): fc.Arbitrary<string[]> {
  return fc.oneof(
    fc
      .oneof(anyText(60), fc.constantFrom('-1', '0', '1e3', '99999999999999999999', 'null', '[]', ' 1'))
      .map((v) => [percentEncode(v)]),
    arbitraryFor(p.schema).map((v) => [percentEncode(Array.isArray(v) ? v.join(',') : `${String(v)},${String(v)}`)]),
    fc.constantFrom(...RAW_VALUES).map((v) => [v]),
  );
}

/**
 * Query parameters of an operation, each value encoded as it travels (an array as repeated
 * parameters): all of them valid (two requests in three), or each one valid or not — a client's
 * typo, odd Unicode, a list where one value goes, percent-encoding that decodes to nothing valid.
 * A parameter named in `known` takes that value half the time a valid one is drawn (an id that
 * exists, the caller's account), so that requests reach past the lookups.
 * @example
 * fc.asyncProperty(queryFor(operation.parameters.filter((p) => p.in === 'query')), async (query) => {
 *   await app.inject({ url: `${path}?${searchOf(query)}` });
 * });
 */
export function queryFor(
  parameters: OpenApiParameter[],
  known: Record<string, unknown> = {},
): fc.Arbitrary<Record<string, string[]>> {
  const record = (value: (p: OpenApiParameter) => fc.Arbitrary<string[]>) =>
    fc.record(Object.fromEntries(parameters.map((p) => [p.name, value(p)])), {
      requiredKeys: parameters.filter((p) => p.required).map((p) => p.name),
    });
  return fc.oneof(
    { weight: 2, arbitrary: record((p) => validValue(p, known)) },
    { weight: 1, arbitrary: record((p) => fc.oneof(validValue(p, known), hostileValue(p))) },
  );
}

/** The query string (without `?`) of what `queryFor` drew. */
export function searchOf(query: Record<string, string[]>): string {
  return Object.entries(query)
    .flatMap(([name, values]) => values.map((v) => `${name}=${v}`))
    .join('&');
}
