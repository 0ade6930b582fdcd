import { type Static, type TLiteral, type TUnion, Type } from 'typebox';

/**
 * Largest platform id accepted on the wire. The platform's ids (account, site, sector, content) are
 * PostgreSQL `integer`s, so anything above 2^31-1 cannot name a real row and is refused early.
 */
export const MAX_PLATFORM_ID = 2_147_483_647;

/** The largest page a list of the read API serves (`page_size`). */
export const MAX_PAGE_SIZE = 100;

/**
 * A list's `page_size`: 1 to `MAX_PAGE_SIZE`, 20 when left out.
 * @example
 * Type.Object({ page_size: PageSize })
 */
export const PageSize = Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 }));

/**
 * The schema keyword that says in words what a string's `pattern` asks for (an OpenAPI extension):
 * a 400 names that instead of the regular expression, which means little to a client.
 * @example
 * Type.String({ pattern: '\\S', [PATTERN_MESSAGE]: 'must not be blank' })
 */
export const PATTERN_MESSAGE = 'x-pattern-message';

/**
 * A platform id (account, site, sector, content): a positive integer.
 * @example
 * Type.Object({ site_id: PlatformId })
 */
export const PlatformId = Type.Integer({ minimum: 1, maximum: MAX_PLATFORM_ID });
export type PlatformId = Static<typeof PlatformId>;

/** A record or event id: a UUID (any version), lower or upper case. */
export const Uuid = Type.String({ format: 'uuid', maxLength: 36 });

export { isUuid } from './uuid.ts';

/**
 * ISO-8601 date-time as the API writes it (`2024-05-01T12:00:00.000Z`). Year 0000 is a valid
 * RFC 3339 date-time but not a PostgreSQL timestamp, so it is refused here (400) rather than
 * failing the query.
 */
export const DateTime = Type.String({
  format: 'date-time',
  pattern: '^(?!0000)[0-9]{4}-',
  [PATTERN_MESSAGE]: 'must be a date-time from year 0001 on',
});

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/**
 * A union of string constants from a list of them (`anyOf` of `const`s, as `Type.Literal`s written
 * out would be), typed as that union.
 * @example
 * const Status = LiteralUnion(['pending', 'failed'] as const); // Static: 'pending' | 'failed'
 */
export function LiteralUnion<const T extends readonly string[]>(values: T): TUnion<Literals<T>> {
  // `map` types its result as an array of literals of any of the values; each is the literal of
  // the value at its index, which is what `Literals<T>` says.
  return Type.Union(values.map((value) => Type.Literal(value))) as TUnion<Literals<T>>;
}

/**
 * Free-form JSON object (metadata, destination configuration) as records hold it and events and
 * answers carry it: at most 50 keys; the body size limit bounds the rest.
 */
export const JsonObject = Type.Record(Type.String(), Type.Unknown(), { maxProperties: 50 });
/**
 * `JsonObject` as a request body gives it: keys of at most 100 characters too. Through
 * `propertyNames`: a key schema's own limits do not reach the JSON Schema TypeBox makes of a Record
 * (its keys become a pattern). Bodies only: the released event schemas never bounded keys, so
 * tightening them would refuse events already in the log.
 */
export const JsonObjectInput = Type.Record(Type.String(), Type.Unknown(), {
  maxProperties: 50,
  propertyNames: { maxLength: 100 },
});
export type JsonObject = Static<typeof JsonObject>;

/** An absolute http(s) URL, at most 2048 characters. */
export const HttpUrl = Type.String({
  format: 'uri',
  pattern: '^[hH][tT][tT][pP][sS]?://',
  [PATTERN_MESSAGE]: 'must be an http:// or https:// URL',
  minLength: 8,
  maxLength: 2048,
});

/** Params of every `/{id}` route. */
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;
