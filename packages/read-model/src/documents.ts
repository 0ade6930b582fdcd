import { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';
import { sql } from 'kysely';
import type { ListResult } from './list-query.ts';
import {
  type DeploymentRow,
  deploymentRepresentation,
  type PublishingRecordRow,
  publishingRecordRepresentation,
} from './rows.ts';

/**
 * A row's wire representation as JSON text (its document), with what a reader needs to decide
 * whether the caller may see it. The read API sends documents as they are (single records, and list
 * pages joined into the list envelope): parsing full rows (twenty columns, two of them JSON) and
 * serializing them again cost it more CPU than the rest of a single-record request.
 *
 * The projector renders each row's document when it writes the row (`renderPublishingRecordDocument`),
 * so a read fetches one text column. Rows written before the column existed (migration 2) have none:
 * for those PostgreSQL renders the document at read time (`representationColumns`), and
 * `compactJson` removes the spaces jsonb writes. Either way the bytes are those of
 * `JSON.stringify(representation(row))` for the row as stored.
 */
export interface RowDocument {
  id: string;
  account_id: number;
  site_id: number;
  /** Always false for deployments (they are never deleted). */
  deleted: boolean;
  revision: number;
  /**
   * `JSON.stringify(representation(row))`; for rows rendered at read time, up to the spelling of
   * numbers in free-form JSON (see `compactJson`).
   */
  json: string;
}

/**
 * The document of a publishing record as the projector stores it: its representation as JSON,
 * free-form JSON values (`destination_config`, `metadata`) with their keys in the order jsonb
 * keeps them, so the document of a row in hand is the document of the same row read back.
 * @example
 * const document = renderPublishingRecordDocument(row); // '{"id":"…","account_id":1,…}'
 */
export function renderPublishingRecordDocument(row: PublishingRecordRow): string {
  return JSON.stringify(
    publishingRecordRepresentation({
      ...row,
      destination_config: jsonbOrdered(row.destination_config),
      metadata: jsonbOrdered(row.metadata),
    }),
  );
}

/** The document of a deployment (see `renderPublishingRecordDocument`). */
export function renderDeploymentDocument(row: DeploymentRow): string {
  return JSON.stringify(deploymentRepresentation({ ...row, metadata: jsonbOrdered(row.metadata) }));
}

/**
 * A JSON value with its object keys in jsonb's order (shorter keys first, then by their UTF-8 bytes),
 * which is what `JSON.parse` of jsonb's output gives. JavaScript objects still list integer-like keys
 * first; they do so for parsed jsonb output too.
 * @example
 * JSON.stringify(jsonbOrdered({ title: 'x', id: 1 })) // '{"id":1,"title":"x"}'
 */
export function jsonbOrdered<T>(value: T): T {
  if (Array.isArray(value)) {
    const items = value.map(jsonbOrdered);
    return (items.every((item, i) => item === value[i]) ? value : items) as T;
  }
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) inOrder = jsonbKeyOrder(keys[i - 1]!, keys[i]!) < 0;
  const values = keys.map((key) => jsonbOrdered(source[key]));
  // Rows read back from PostgreSQL are in order already: they go through without a copy.
  if (inOrder && values.every((v, i) => v === source[keys[i]!])) return value;
  // No prototype, so a key named __proto__ becomes a property, as it does in JSON.parse.
  const ordered: Record<string, unknown> = Object.create(null);
  const order = keys.map((_key, i) => i).sort((a, b) => jsonbKeyOrder(keys[a]!, keys[b]!));
  for (const i of order) ordered[keys[i]!] = values[i];
  return ordered as T;
}

/** PostgreSQL's order of jsonb object keys: by length in UTF-8 bytes, then bytewise. */
function jsonbKeyOrder(a: string, b: string): number {
  const bytes = Buffer.byteLength(a);
  const lengths = bytes - Buffer.byteLength(b);
  if (lengths !== 0) return lengths;
  // As many bytes as characters: ASCII, where string order is byte order.
  if (bytes === a.length && bytes === b.length) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A JSON-schema object (a TypeBox `Type.Object`). */
interface ObjectSchema {
  properties: Record<string, object>;
}

type PropertySchema = { format?: string; anyOf?: Array<{ format?: string }> };

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The SELECT list that renders a representation schema's properties, in the schema's order (the
 * order the route serializer writes them), from the columns of the same names: `date-time`
 * properties formatted like `timestamptzToIso` (millisecond precision, truncated, `Z`), everything
 * else as stored. The schema stays the one definition of the representation; tests hold the result
 * equal to the TypeScript path for the same rows.
 */
export function representationColumns(schema: ObjectSchema, alias: string): string {
  return Object.entries(schema.properties)
    .map(([name, propertySchema]) => {
      const property = propertySchema as PropertySchema;
      if (!IDENTIFIER.test(name)) throw new TypeError(`representation property ${name} is not a column name`);
      const dateTime = property.format === 'date-time' || property.anyOf?.some((s) => s.format === 'date-time');
      return dateTime
        ? `to_char(${alias}.${name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${name}`
        : `${alias}.${name}`;
    })
    .join(', ');
}

/**
 * Drops the whitespace PostgreSQL puts after `:` and `,` in jsonb output, outside strings, so a
 * document has the same bytes as the serializer's output (which writes no whitespace).
 * @example
 * compactJson('{"a": [1, "b c"]}') // '{"a":[1,"b c"]}'
 */
export function compactJson(text: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  // Jumps from string to string (indexOf is far cheaper than a loop over every character of the
  // long string values) and looks for whitespace only in the short gaps between them.
  while (i < text.length) {
    const quote = text.indexOf('"', i);
    const gapEnd = quote === -1 ? text.length : quote;
    for (; i < gapEnd; i++) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        out += text.slice(from, i);
        from = i + 1;
      }
    }
    if (quote === -1) break;
    i = quote + 1;
    for (;;) {
      const close = text.indexOf('"', i);
      if (close === -1) return from === 0 ? text : out + text.slice(from);
      let backslashes = 0;
      while (text.charCodeAt(close - 1 - backslashes) === 92 /* \ */) backslashes++;
      i = close + 1;
      if (backslashes % 2 === 0) break; // an even run of backslashes escapes itself, not the quote
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * The SQL expression of the document PostgreSQL renders for a row without a stored one, else null
 * (text; pass it through `compactJson`), `alias` naming the row.
 */
function renderedDocument(schema: ObjectSchema, alias: string): string {
  return `CASE WHEN ${alias}.document IS NULL THEN (SELECT row_to_json(r) FROM (SELECT ${representationColumns(schema, alias)}) r)::text END`;
}

/**
 * What a list page selects of its row `p` (the lateral page subquery) for `documentPage`: `id` (null
 * on the empty page's single row), the stored document and, for a row without one, the rendered one.
 */
function documentOfP(schema: ObjectSchema) {
  return [
    sql<string | null>`p.id`.as('id'),
    sql<string | null>`p.document`.as('json'),
    sql.raw<string | null>(renderedDocument(schema, 'p')).as('rendered'),
  ] as const;
}

/** `documentOfP` for a page of publishing records. */
export const PUBLISHING_RECORD_DOCUMENT_OF_P = documentOfP(PublishingRecordRepresentation);
/** `documentOfP` for a page of deployments. */
export const DEPLOYMENT_DOCUMENT_OF_P = documentOfP(DeploymentRepresentation);

/** A row's document as selected: the stored `json`, or else the `rendered` one. */
interface SelectedDocument {
  json: string | null;
  rendered: string | null;
}

/** The document of a selected row: the stored one as it is, one rendered at read time compacted. */
function documentOf(row: SelectedDocument): string {
  if (row.json !== null) return row.json;
  if (row.rendered === null) throw new Error('a read-model row without its document');
  return compactJson(row.rendered);
}

/**
 * Runs a list query selecting `PUBLISHING_RECORD_DOCUMENT_OF_P` (or the deployments') and `total`,
 * and returns the page's documents with the count.
 */
export async function documentPage(query: {
  execute(): Promise<Array<SelectedDocument & { id: string | null; total: number }>>;
}): Promise<ListResult<string>> {
  const result = await query.execute();
  const rows: string[] = [];
  for (const r of result) if (r.id !== null) rows.push(documentOf(r));
  return { count: result[0]?.total ?? 0, rows };
}

/** `SELECT …` of one table's documents, up to the id list (the parameter goes in between). */
function documentsSelect(table: string, alias: string, rendered: string, deleted: string): string {
  return `SELECT ${alias}.id, ${alias}.account_id, ${alias}.site_id, ${deleted} AS deleted, ${alias}.revision,
  ${alias}.document AS json, ${rendered} AS rendered FROM ${table} ${alias} WHERE ${alias}.id = any(`;
}

/**
 * What the document lookups need of a read-model connection: its `pg.Pool` (`ReadModelConnection.pool`)
 * or a `pg.Client` with the same session settings.
 */
export interface DocumentQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** A lookup's prepared statement: one constant text per table, prepared once per connection. */
interface DocumentStatement {
  readonly name: string;
  readonly text: string;
}

const RECORDS: DocumentStatement = {
  name: 'rm_documents_publishing_records',
  text: `${documentsSelect('publishing_records', 'p', renderedDocument(PublishingRecordRepresentation, 'p'), 'p.deleted')}$1::uuid[])`,
};
const DEPLOYMENTS: DocumentStatement = {
  name: 'rm_documents_deployments',
  text: `${documentsSelect('deployments', 'd', renderedDocument(DeploymentRepresentation, 'd'), 'false')}$1::uuid[])`,
};

/**
 * Straight through pg, not Kysely: this is the read API's hottest query (every single-record read,
 * batched), and going through Kysely (a fresh compile of a ~1.5 kB text per call, the pool checkout
 * it wraps, and the prepared-statement name looked up by that text) cost the read API 4–7 µs of
 * CPU per request out of ~45 (bench:reads detail traffic, three 8–10-round runs side by side:
 * 44.0 → 40.2, 41.9 → 34.5, 45.9 → 39.1 µs).
 */
async function loadDocuments(
  pool: DocumentQueryable,
  statement: DocumentStatement,
  ids: readonly string[],
): Promise<Map<string, RowDocument>> {
  const found = new Map<string, RowDocument>();
  if (ids.length === 0) return found;
  const result = await pool.query({ name: statement.name, text: statement.text, values: [ids] });
  for (const row of result.rows as Array<Omit<RowDocument, 'json'> & SelectedDocument>) {
    const { id, account_id, site_id, deleted, revision } = row;
    found.set(id, { id, account_id, site_id, deleted, revision, json: documentOf(row) });
  }
  return found;
}

/**
 * The documents of the publishing records with these ids (deleted ones included), keyed by id.
 * @example
 * const doc = (await loadPublishingRecordDocuments(connection.pool, [id])).get(id);
 * if (doc && !doc.deleted && inTenantScope(scope, doc)) reply.send(`{"success":true,"data":${doc.json},…`);
 */
export function loadPublishingRecordDocuments(
  pool: DocumentQueryable,
  ids: readonly string[],
): Promise<Map<string, RowDocument>> {
  return loadDocuments(pool, RECORDS, ids);
}

/** The documents of the deployments with these ids, keyed by id. */
export function loadDeploymentDocuments(
  pool: DocumentQueryable,
  ids: readonly string[],
): Promise<Map<string, RowDocument>> {
  return loadDocuments(pool, DEPLOYMENTS, ids);
}
