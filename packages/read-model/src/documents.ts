import type { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';
import type { TenantScope } from '@publisher/platform';
import { isUuid } from '@publisher/platform/ids';
import { type BatchedReader, type ParamType, RequestParams } from './batched-reader.ts';
import { packCursor, unpackCursor } from './cursor.ts';
import { scopeSql } from './scope.ts';

/*
 * The read path's queries: pages of rows' documents and documents by id (a document is a row's
 * representation as JSON, stored by the projector with the row, which the read API sends as it
 * is), always within the caller's scope, through the batched reader.
 */

/** The tables whose rows hold a document, and the representation each one's documents are. */
export interface DocumentTables {
  publishing_records: PublishingRecordRepresentation;
  deployments: DeploymentRepresentation;
}

declare const representation: unique symbol;

/**
 * A row's document: its representation `R` as JSON text, as the projector stored it. `R` exists
 * for the compiler only (at run time this is the string), so that one kind's documents cannot be
 * answered as another's.
 */
type StoredDocument<R> = string & { readonly [representation]?: R };

/** Filters both record kinds share. Ranges: `*_after` is inclusive, `*_before` exclusive. */
export interface CommonFilters {
  site_id?: number;
  sector_id?: number;
  created_after?: string;
  created_before?: string;
  updated_after?: string;
  updated_before?: string;
}

/** How the shared filters become SQL, for a `ListTable`'s `filters`. */
export const COMMON_FILTERS = {
  site_id: { column: 'site_id', type: 'int', op: '=' },
  sector_id: { column: 'sector_id', type: 'int', op: '=' },
  created_after: { column: 'created_at', type: 'timestamptz', op: '>=' },
  created_before: { column: 'created_at', type: 'timestamptz', op: '<' },
  updated_after: { column: 'updated_at', type: 'timestamptz', op: '>=' },
  updated_before: { column: 'updated_at', type: 'timestamptz', op: '<' },
} as const satisfies FilterColumns<CommonFilters>;

/** `field` ascending or `-field` descending. */
type Ordering<Field extends string> = Field | `-${Field}`;

/**
 * Which page: `page` (1-based) counts from the start; `cursor` (from a previous answer's `next` or
 * `previous`) continues from a row, whatever its depth, at the cost of one index probe.
 */
export interface PageRequest<Field extends string> {
  page_size: number;
  page?: number;
  cursor?: string;
  /** Default `-created_at`; ties are broken by id in the same direction. */
  ordering?: Ordering<Field>;
}

/** Where a list link points: a cursor, or (only past the last page) a page number. */
export type PageLink = { cursor: string } | { page: number };

/** One page of rows' documents (their representations `R` as JSON), the total count and the neighbours. */
export interface DocumentPage<R> {
  /** Matching rows across all pages. */
  count: number;
  /** The page's documents (each its row's representation as JSON) as one JSON array, in the page's order. */
  documents: StoredDocument<R[]>;
  next: PageLink | null;
  previous: PageLink | null;
}

/** A `cursor` that this list did not hand out (or for another ordering). */
export class InvalidCursorError extends Error {
  readonly code = 'INVALID_CURSOR';
  constructor() {
    super('cursor is not one of this list’s next or previous cursors');
    this.name = 'InvalidCursorError';
  }
}

type FilterOp = '=' | 'any' | '>=' | '<';

/** How each filter becomes a condition on a column: its column, its type, its operator. */
export type FilterColumns<Filters> = { [K in keyof Filters]-?: { column: string; type: ParamType; op: FilterOp } };

/**
 * The conditions on the rows `alias` for the filters given (undefined: not filtered), their values
 * added to the request's parameters. The text depends only on which filters are present.
 * @example
 * filterSql({ site_id: { column: 'site_id', type: 'int', op: '=' } }, { site_id: 7 }, 'r', params) // ['r.site_id = q.p2']
 */
export function filterSql<Filters extends object>(
  columns: FilterColumns<Filters>,
  filters: Filters,
  alias: string,
  params: RequestParams,
): string[] {
  const where: string[] = [];
  for (const name of Object.keys(columns) as Array<keyof Filters>) {
    const value = filters[name];
    if (value === undefined) continue;
    const { column, type, op } = columns[name];
    if (op === 'any') {
      where.push(`${alias}.${column} = any(${params.add(`{${(value as unknown[]).join(',')}}`, 'text')}::${type}[])`);
    } else {
      where.push(`${alias}.${column} ${op} ${params.add(value, type)}`);
    }
  }
  return where;
}

/** What a list may filter and order by, and how each becomes SQL (over rows `r`). */
export interface ListTable<Filters, Field extends string, Table extends keyof DocumentTables> {
  /** The table, which also says what its documents are (`DocumentTables`). */
  table: Table;
  /** Always applied (e.g. hiding deleted rows), or null. */
  visible: string | null;
  filters: FilterColumns<Filters>;
  order: { [F in Field]: { type: 'timestamptz' | 'int'; nullable: boolean } };
  /**
   * The table that counts the listed (`visible`) rows per account, site and status (migration 8),
   * and the filters it can answer: a list filtered by those alone sums it instead of counting rows.
   */
  counts: { table: string; filters: ReadonlyArray<keyof Filters> };
}

/**
 * A decoded cursor: the row it continues from (`key` its ordering value as PostgreSQL text), in the
 * list (`table`, `ordering`) that handed it out.
 */
interface Cursor {
  table: string;
  ordering: string;
  after: boolean;
  key: string | null;
  id: string;
}

/** Whether a cursor's key is a value of its column's type, as PostgreSQL writes it (a bad one would fail its batch). */
const KEY_OF_TYPE = {
  timestamptz: (key: string) => {
    const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?\+00$/.exec(key);
    if (m === null) return false;
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    return y > 0 && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  },
  int: (key: string) => /^-?[0-9]{1,10}$/.test(key) && Math.abs(Number(key)) <= 2_147_483_647,
};

function encodeCursor(cursor: Cursor): string {
  return packCursor([cursor.table, cursor.ordering, cursor.after ? 'a' : 'b', cursor.key, cursor.id]);
}

/**
 * The cursor, checked against the list (its table and ordering): a client sends it, so it is input
 * like any other — one from another list would continue from a row that is not in this one.
 */
function decodeCursor(text: string, table: string, ordering: string, keyType: keyof typeof KEY_OF_TYPE): Cursor {
  const parsed = unpackCursor(text);
  if (parsed?.length !== 5) throw new InvalidCursorError();
  const [t, o, d, key, id] = parsed;
  const keyOk = key === null || (typeof key === 'string' && KEY_OF_TYPE[keyType](key));
  if (t !== table || o !== ordering || (d !== 'a' && d !== 'b') || !keyOk || typeof id !== 'string' || !isUuid(id)) {
    throw new InvalidCursorError();
  }
  return { table, ordering, after: d === 'a', key: key as string | null, id };
}

/**
 * One page of a list with its count, through the batched reader: one statement counts the rows
 * the scope and filters select, reads the page (an index scan in the requested order, one row
 * more than the page to know whether another follows) and joins its documents into one JSON
 * array. Ordering is by the field, NULLs last, then by id; a cursor continues after (or before)
 * its row. A list filtered by tenant, site and status alone — an account's first page, the
 * commonest — sums the counts table (`spec.counts`): counting its rows behind `account_id` (an
 * index-only scan) would read every one of a large account's records on every uncached page; other
 * filters count rows.
 */
export async function listDocuments<Filters extends object, Field extends string, Table extends keyof DocumentTables>(
  reader: BatchedReader,
  spec: ListTable<Filters, Field, Table>,
  scope: TenantScope,
  filters: Filters,
  request: PageRequest<Field>,
): Promise<DocumentPage<DocumentTables[Table]>> {
  const params = new RequestParams();
  const where = [scopeSql(scope, 'r', params), ...filterSql(spec.filters, filters, 'r', params)];
  const counted = (Object.keys(spec.filters) as Array<keyof Filters>).every(
    (name) => filters[name] === undefined || spec.counts.filters.includes(name),
  );
  // The counts table holds listed rows only: `visible` is a condition on the rows alone.
  const listed = spec.visible === null ? where : [...where, spec.visible];
  const countSql = counted
    ? `SELECT coalesce(sum(r.total), 0)::int AS total FROM ${spec.counts.table} r WHERE ${where.join(' AND ')}`
    : `SELECT count(*)::int AS total FROM ${spec.table} r WHERE ${listed.join(' AND ')}`;
  const ordering = request.ordering ?? ('-created_at' as Ordering<Field>);
  const desc = ordering.startsWith('-');
  const field = (desc ? ordering.slice(1) : ordering) as Field;
  const { type, nullable } = spec.order[field];
  const cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor, spec.table, ordering, type);
  const forwards = cursor?.after ?? true;
  const page = [...listed];
  let offset = '';
  if (cursor === undefined) {
    offset = ` OFFSET ${params.add(((request.page ?? 1) - 1) * request.page_size, 'int')}`;
  } else {
    const cmp = forwards === desc ? '<' : '>';
    const id = `${params.add(cursor.id, 'uuid')}`;
    if (cursor.key === null) {
      page.push(
        forwards ? `r.${field} IS NULL AND r.id ${cmp} ${id}` : `(r.${field} IS NOT NULL OR r.id ${cmp} ${id})`,
      );
    } else {
      const key = `${params.add(cursor.key, 'text')}::${type}`;
      page.push(
        nullable
          ? `(r.${field} ${cmp} ${key} OR (r.${field} = ${key} AND r.id ${cmp} ${id})${forwards ? ` OR r.${field} IS NULL` : ''})`
          : `(r.${field}, r.id) ${cmp} (${key}, ${id})`,
      );
    }
  }
  // The list's order is the field's, NULLs last; rows are read in it, or against it from a `before`
  // cursor, and numbered as read (`i`).
  const sorted = (sort: string, id: string, descending: boolean, nullsLast: boolean) => {
    const dir = descending ? 'DESC' : 'ASC';
    return `${sort} ${dir}${nullable ? (nullsLast ? ' NULLS LAST' : ' NULLS FIRST') : ''}, ${id} ${dir}`;
  };
  const readOrder = (sort: string, id: string) => sorted(sort, id, forwards === desc, forwards);
  const size = params.add(request.page_size, 'int');
  // One row per request: the page's documents joined into its JSON array in the list's order, the
  // rows read (one beyond the page says that another follows) and the page's two ends as cursors.
  // PostgreSQL joins the documents as it reads them; a row per document would cost the API a
  // protocol message, a row object and a string each, and then the join. The far end is the row at
  // the page size: a link continues from it only when a row beyond it was read (a short page has
  // no further page on its far side), so no window function has to look ahead for a short page's
  // last row. The ends' keys become text for those two rows alone (a timestamp's text is dear).
  const rows = await reader.run<{ total: number } & PageRows<DocumentTables[Table]>>(
    'c.total, p.*',
    `CROSS JOIN LATERAL (${countSql}) c
     CROSS JOIN LATERAL (SELECT count(*)::int AS read,
         '[' || coalesce(string_agg(x.document, ',' ORDER BY ${sorted('x.sort', 'x.id', desc, true)}) FILTER (WHERE x.i <= ${size}), '') || ']' AS documents,
         max(x.id::text) FILTER (WHERE x.i = 1) AS near_id, (max(x.sort) FILTER (WHERE x.i = 1))::text AS near_key,
         max(x.id::text) FILTER (WHERE x.i = ${size}) AS far_id, (max(x.sort) FILTER (WHERE x.i = ${size}))::text AS far_key
       FROM (SELECT y.*, row_number() OVER (ORDER BY ${readOrder('y.sort', 'y.id')}) AS i
         FROM (SELECT r.id, r.${field} AS sort, r.document FROM ${spec.table} r
           WHERE ${page.join(' AND ')} ORDER BY ${readOrder(`r.${field}`, 'r.id')} LIMIT ${size} + 1${offset}) y) x) p`,
    params,
  );
  // An aggregate answers one row, an empty page too.
  const { total: count, read, documents, near_id, near_key, far_id, far_key } = rows[0]!;
  const more = read > request.page_size;
  // The page's first and last rows, in the list's order.
  const near = near_id === null ? undefined : { id: near_id, key: near_key };
  const far = far_id === null ? undefined : { id: far_id, key: far_key };
  const [first, last] = forwards ? [near, far] : [far, near];
  const link = (r: { id: string; key: string | null }, after: boolean): PageLink => ({
    cursor: encodeCursor({ table: spec.table, ordering, after, key: r.key, id: r.id }),
  });
  const hasNext = forwards ? more : cursor !== undefined;
  const hasPrevious = forwards ? cursor !== undefined || (request.page ?? 1) > 1 : more;
  let previous: PageLink | null = hasPrevious && first ? link(first, false) : null;
  // Past the last page there is no row to continue from: point at the last page by number.
  if (first === undefined && cursor === undefined && (request.page ?? 1) > 1) {
    previous = { page: Math.max(1, Math.ceil(count / request.page_size)) };
  }
  return { count, documents, next: hasNext && last ? link(last, true) : null, previous };
}

/** What a list statement answers for one request besides its count. */
interface PageRows<R> {
  /** Rows read: the page, and one more when another page follows. */
  read: number;
  documents: StoredDocument<R[]>;
  /**
   * The id and ordering key (as text) of the first row read and of the row at the page size in
   * reading order (null on a shorter page).
   */
  near_id: string | null;
  near_key: string | null;
  far_id: string | null;
  far_key: string | null;
}

/** A record's document (its representation `R` as JSON) and revision (its ETag). */
export interface RevisedDocument<R> {
  revision: number;
  document: StoredDocument<R>;
}

/**
 * A row's document by id, or undefined when the scope does not see it: unknown, another tenant's,
 * or not `visible` (deleted). Lookups of concurrent requests travel together (see `BatchedReader`).
 */
export async function findDocument<Table extends keyof DocumentTables>(
  reader: BatchedReader,
  spec: Pick<ListTable<object, string, Table>, 'table' | 'visible'>,
  scope: TenantScope,
  id: string,
): Promise<RevisedDocument<DocumentTables[Table]> | undefined> {
  const params = new RequestParams();
  const where = scopeSql(scope, 'r', params);
  // A malformed id would fail the whole batch it travels in; it names no row anyway.
  if (!isUuid(id)) return undefined;
  const key = params.add(id, 'uuid');
  const visible = spec.visible === null ? '' : ` AND ${spec.visible}`;
  const [row] = await reader.run<RevisedDocument<DocumentTables[Table]>>(
    'r.revision, r.document',
    `JOIN ${spec.table} r ON r.id = ${key}${visible} AND ${where}`,
    params,
  );
  return row && { revision: row.revision, document: row.document };
}
