import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import { type Static, type TSchema, type TUnsafe, Type } from 'typebox';

/** The schema keyword marking where a response may hold a `JsonDocument` (an OpenAPI extension). */
const DOCUMENT = 'x-json-document';

/**
 * A value that is already JSON text — a read model's stored document — written into a response as
 * it is. Parsing such a document into an object only for the serializer to write it again costs
 * a read more than the rest of its work; this is the one place that knows how to skip that.
 * @example
 * return success(request, new JsonDocument<PublishingRecordRepresentation>(row.document));
 */
export class JsonDocument<T = unknown> {
  /** Ties a document to the type it holds (no value at run time). */
  declare readonly value?: T;
  constructor(readonly json: string) {}

  /**
   * The JSON array of documents, each already JSON text (a list page's rows).
   * @example
   * JsonDocument.array<AuditEvent>(rows.map((r) => r.document)) // '[{…},{…}]'
   */
  static array<T>(documents: readonly string[]): JsonDocument<T[]> {
    return new JsonDocument<T[]>(`[${documents.join(',')}]`);
  }
}

/**
 * `schema`, which a route may answer either with a value of it or with a `JsonDocument` of such a
 * value. The OpenAPI document shows `schema` (plus the marker).
 * @example
 * response: { 200: SuccessEnvelope(Document(PublishingRecordRepresentation)) }
 */
export function Document<T extends TSchema>(schema: T): TUnsafe<Static<T> | JsonDocument<Static<T>>> {
  return Type.Unsafe<Static<T> | JsonDocument<Static<T>>>({ ...schema, [DOCUMENT]: true });
}

type Serialize = (value: unknown) => string;
interface ObjectSchema {
  type?: unknown;
  properties?: Record<string, object>;
  required?: readonly string[];
  items?: object;
  [DOCUMENT]?: boolean;
}

function holdsDocument(schema: ObjectSchema): boolean {
  if (schema[DOCUMENT] === true) return true;
  if (schema.items !== undefined && holdsDocument(schema.items)) return true;
  return Object.values(schema.properties ?? {}).some((property) => holdsDocument(property));
}

/**
 * The serializer of a response schema: fast-json-stringify, as Fastify's own compiler, except that
 * on the path to a `Document(…)` it writes the objects and arrays itself, so that a `JsonDocument`
 * there goes out as its text (any other value there is serialized by the document's schema).
 */
function build(schema: ObjectSchema): Serialize {
  if (!holdsDocument(schema)) return fastJson(schema as fastJson.Schema);
  if (schema[DOCUMENT] === true) {
    const { [DOCUMENT]: _, ...plain } = schema;
    const serialize = fastJson(plain as fastJson.Schema);
    return (value) => (value instanceof JsonDocument ? value.json : serialize(value));
  }
  if (schema.type === 'array' && schema.items !== undefined) {
    const item = build(schema.items);
    return (value) => {
      const items = value as unknown[];
      let out = '[';
      for (let i = 0; i < items.length; i++) out += i === 0 ? item(items[i]) : `,${item(items[i])}`;
      return `${out}]`;
    };
  }
  if (schema.type === 'object' && schema.properties !== undefined) {
    const required = new Set(schema.required ?? []);
    const properties = Object.entries(schema.properties).map(([name, property]) => ({
      name,
      key: JSON.stringify(name),
      required: required.has(name),
      serialize: build(property),
    }));
    return (value) => {
      const object = value as Record<string, unknown>;
      let out = '';
      for (const p of properties) {
        const v = object[p.name];
        if (v === undefined) {
          if (p.required) throw new TypeError(`"${p.name}" is required!`);
          continue;
        }
        out += `${out === '' ? '{' : ','}${p.key}:${p.serialize(v)}`;
      }
      return out === '' ? '{}' : `${out}}`;
    };
  }
  throw new TypeError('a JSON document may only sit in an object property or an array item');
}

/**
 * The platform's response serializer compiler (`fastify.setSerializerCompiler`): route schemas
 * serialize every response, `JsonDocument`s included.
 */
export const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => build(schema as ObjectSchema);
