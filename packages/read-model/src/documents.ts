import { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';
import { type Kysely, sql } from 'kysely';
import type { ReadModelDatabase } from './database.ts';
import type { ListResult } from './list-query.ts';

/**
 * A row's wire representation as JSON text, rendered by PostgreSQL, with what a reader needs to
 * decide whether the caller may see it. The read API sends documents as they are (single records,
 * and list pages joined into the list envelope): parsing full rows (twenty columns, two of them
 * JSON) and serializing them again cost it more CPU than the rest of a single-record request.
 */
export interface RowDocument {
  id: string;
  account_id: number;
  site_id: number;
  /** Always false for deployments (they are never deleted). */
  deleted: boolean;
  revision: number;
  /** `JSON.stringify(representation(row))`, up to the spelling of numbers in free-form JSON (see `compactJson`). */
  json: string;
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

/** The SQL expression of a row's document (text; pass it through `compactJson`), `alias` naming the row. */
function documentExpression(schema: ObjectSchema, alias: string): string {
  return `(SELECT row_to_json(r) FROM (SELECT ${representationColumns(schema, alias)}) r)::text`;
}

/** A publishing record's document, from the row `alias` (a table or a subquery with its columns). */
export const publishingRecordDocument = (alias: string) => documentExpression(PublishingRecordRepresentation, alias);
/** A deployment's document, from the row `alias`. */
export const deploymentDocument = (alias: string) => documentExpression(DeploymentRepresentation, alias);

/**
 * Runs a list query selecting `id` (null on the empty page's single row), `json` (a document) and
 * `total`, and returns the page's documents with the count.
 */
export async function documentPage(query: {
  execute(): Promise<Array<{ id: string | null; json: string; total: number }>>;
}): Promise<ListResult<string>> {
  const result = await query.execute();
  const rows: string[] = [];
  for (const r of result) if (r.id !== null) rows.push(compactJson(r.json));
  return { count: result[0]?.total ?? 0, rows };
}

/** `SELECT …` of one table's documents, up to the id list (the parameter goes in between). */
function documentsSelect(table: string, alias: string, document: string, deleted: string): string {
  return `SELECT ${alias}.id, ${alias}.account_id, ${alias}.site_id, ${deleted} AS deleted, ${alias}.revision,
  ${document} AS json FROM ${table} ${alias} WHERE ${alias}.id = any(`;
}

const RECORDS = sql.raw(documentsSelect('publishing_records', 'p', publishingRecordDocument('p'), 'p.deleted'));
const DEPLOYMENTS = sql.raw(documentsSelect('deployments', 'd', deploymentDocument('d'), 'false'));

async function loadDocuments(
  db: Kysely<ReadModelDatabase>,
  select: typeof RECORDS,
  ids: readonly string[],
): Promise<Map<string, RowDocument>> {
  const found = new Map<string, RowDocument>();
  if (ids.length === 0) return found;
  const { rows } = await sql<RowDocument>`${select}${[...ids]}::uuid[])`.execute(db);
  for (const row of rows) {
    row.json = compactJson(row.json);
    found.set(row.id, row);
  }
  return found;
}

/**
 * The documents of the publishing records with these ids (deleted ones included), keyed by id.
 * @example
 * const doc = (await loadPublishingRecordDocuments(db, [id])).get(id);
 * if (doc && !doc.deleted && inTenantScope(scope, doc)) reply.send(`{"success":true,"data":${doc.json},…`);
 */
export function loadPublishingRecordDocuments(
  db: Kysely<ReadModelDatabase>,
  ids: readonly string[],
): Promise<Map<string, RowDocument>> {
  return loadDocuments(db, RECORDS, ids);
}

/** The documents of the deployments with these ids, keyed by id. */
export function loadDeploymentDocuments(
  db: Kysely<ReadModelDatabase>,
  ids: readonly string[],
): Promise<Map<string, RowDocument>> {
  return loadDocuments(db, DEPLOYMENTS, ids);
}
