import type { TenantScope } from '@publisher/platform';
import { type ColumnType, type Kysely, type SqlBool, sql } from 'kysely';
import { type BatchedReader, RequestParams } from './batched-reader.ts';
import type { ReadModelDatabase, Timestamp } from './database.ts';
import { type FilterColumns, filterSql } from './documents.ts';
import { type KeysetPage, keysetPage } from './keyset-page.ts';
import { scopeSql, withTenantScope } from './scope.ts';

/**
 * One event of the global log as the audit search sees it: who did what to which record, when,
 * in which workflow — taken from the event's metadata and stream, never from its payload, so every
 * event type (including ones written by a newer version) is projected the same way. Kept to what
 * the search filters on and shows; the event itself (payload, request and causation ids) is in the
 * record's history.
 */
export interface AuditEventRow {
  event_id: string;
  /** Global position (the order of the log). */
  position: string;
  type: string;
  /** The stream name's prefix (`publishing_record`, `deployment`, `site_deployments`, …). */
  aggregate: string;
  /** The record the stream is about: the stream name's suffix when it is a UUID, else null. */
  record_id: string | null;
  /** The event's revision in its stream (0: the stream's first event). */
  revision: number;
  /** The tenant from the event's metadata; null when an event carries none. */
  account_id: number | null;
  site_id: number | null;
  sector_id: number | null;
  actor_user_id: string | null;
  actor_role: string | null;
  correlation_id: string | null;
  /** The command's time (metadata `occurred_at`), or the store's when the metadata has none. */
  occurred_at: string;
  /** When the store recorded the event. */
  recorded_at: string;
}

/** The `audit_events` table (migration 4). */
export interface AuditEventsTable extends Omit<AuditEventRow, 'occurred_at' | 'recorded_at' | 'revision'> {
  revision: ColumnType<number, number, never>;
  occurred_at: Timestamp;
  recorded_at: Timestamp;
}

/**
 * The `audit_counts` table (migration 7): how many audit events each account and site has, 0
 * standing for an event without one. A trigger on `audit_events` keeps it (a rebuild, whose replay
 * writes with the trigger off, fills it afterwards: `countsSql`); the search counts its pages here.
 */
export interface AuditCountsTable {
  account_id: number;
  site_id: number;
  events: ColumnType<string, number, number>;
}

/** The columns of an `AuditEventRow`, in table order. */
export const AUDIT_EVENT_COLUMNS = [
  'event_id',
  'position',
  'type',
  'aggregate',
  'record_id',
  'revision',
  'account_id',
  'site_id',
  'sector_id',
  'actor_user_id',
  'actor_role',
  'correlation_id',
  'occurred_at',
  'recorded_at',
] as const satisfies ReadonlyArray<keyof AuditEventRow>;

/** Filters of the audit search; all optional, all combined with AND. */
interface AuditEventFilters {
  site_id?: number;
  record_id?: string;
  /** The actor's user id. */
  actor?: string;
  correlation_id?: string;
  type?: string;
  /** `occurred_at` from (inclusive) … to (exclusive). */
  from?: string;
  to?: string;
}

/** Where a page starts: strictly older (`next` pages) or strictly newer (`previous` pages) than this event. */
interface AuditCursor {
  direction: 'older' | 'newer';
  occurred_at: string;
  position: string;
}

export interface AuditSearch {
  filters?: AuditEventFilters;
  page_size: number;
  cursor?: AuditCursor;
}

/** Most matches `searchAuditEvents` counts: counting a million rows per page would cost more than the page. */
export const AUDIT_COUNT_CAP = 10_000;

/** One event of an audit page: its JSON as the API shows it, and its place in the page order. */
export interface AuditEventDocument {
  /** The event as JSON: an `AuditEventRow` with the actor as `{ user_id, role }`. */
  document: string;
  /** Whose event it is (null: an event without a tenant); the access log records it. */
  account_id: number | null;
  occurred_at: string;
  position: string;
}

export interface AuditEventPage extends KeysetPage<AuditEventDocument> {
  /** Events matching the filters (the cursor aside), exact up to `AUDIT_COUNT_CAP`, which it then reads. */
  count: number;
}

/** How each audit filter becomes a condition on `audit_events`. */
const AUDIT_FILTERS = {
  site_id: { column: 'site_id', type: 'int', op: '=' },
  record_id: { column: 'record_id', type: 'uuid', op: '=' },
  actor: { column: 'actor_user_id', type: 'text', op: '=' },
  correlation_id: { column: 'correlation_id', type: 'text', op: '=' },
  type: { column: 'type', type: 'text', op: '=' },
  from: { column: 'occurred_at', type: 'timestamptz', op: '>=' },
  to: { column: 'occurred_at', type: 'timestamptz', op: '<' },
} as const satisfies FilterColumns<AuditEventFilters>;

/**
 * An audit row as the API's JSON: `AuditEventRow`'s fields in its order, the actor as
 * `{ user_id, role }`. JSON text (sent as it is, `JsonDocument`) rather than an object for the
 * route's schema to serialize: that serializer validates each of the row's nullable fields to pick
 * its branch. Rendered from the row's columns, not stored with the row: a stored copy would be most
 * of an audit row's bytes, growing the audit table and with it every index build's scans in a
 * rebuild and the pages a search competes for in the cache. Nor rendered by PostgreSQL: `to_char`
 * and `to_json` cost it more than this costs here, and the database is the part that does not
 * scale out. Pure.
 * @example
 * auditEventDocument(row) // '{"event_id":"…","position":"…",…,"actor":{"user_id":"ann","role":"editor"},…}'
 */
export function auditEventDocument(r: AuditEventRow): string {
  return JSON.stringify({
    event_id: r.event_id,
    position: r.position,
    type: r.type,
    aggregate: r.aggregate,
    record_id: r.record_id,
    revision: r.revision,
    account_id: r.account_id,
    site_id: r.site_id,
    sector_id: r.sector_id,
    actor: { user_id: r.actor_user_id, role: r.actor_role },
    correlation_id: r.correlation_id,
    occurred_at: r.occurred_at,
    recorded_at: r.recorded_at,
  });
}

/** The columns of a page, from the table (`e`) and from the page (`p`). */
const ROW_COLUMNS = AUDIT_EVENT_COLUMNS.map((c) => `e.${c}`).join(', ');
const PAGE_COLUMNS = AUDIT_EVENT_COLUMNS.map((c) => `p.${c}`).join(', ');

/**
 * One page of the audit search, newest first (by occurred time, then log position), with keyset
 * paging: each index on `audit_events` ends in (occurred_at, position), so a page is one index range
 * scan however deep it is. Count and page travel in one statement, through the batched reader: the
 * searches of concurrent requests with the same filters present share one statement. Each event
 * comes as its JSON.
 *
 * The count stops at `AUDIT_COUNT_CAP`. A search by tenant and site alone (the console's first page
 * of an account, the commonest) sums `audit_counts` instead: counting its index entries would read
 * up to the cap of them per page for a large account, most of the search's work.
 * @example
 * const page = await searchAuditEvents(rm.reader, { account_id: 7, site_ids: null }, {
 *   filters: { actor: 'user-42', from: '2024-05-01T00:00:00Z' }, page_size: 50,
 * });
 */
export async function searchAuditEvents(
  reader: BatchedReader,
  scope: TenantScope,
  search: AuditSearch,
): Promise<AuditEventPage> {
  const filters = search.filters ?? {};
  const params = new RequestParams();
  // Conditions on `e`, the same text over `audit_counts` and `audit_events` (both have the tenant columns).
  const where = [scopeSql(scope, 'e', params), ...filterSql(AUDIT_FILTERS, filters, 'e', params)];
  const { site_id, ...rest } = filters;
  const byTenantOnly = Object.values(rest).every((v) => v === undefined) && (site_id === undefined || site_id > 0);
  const countSql = byTenantOnly
    ? `SELECT least(coalesce(sum(e.events), 0), ${AUDIT_COUNT_CAP})::int AS total FROM audit_counts e WHERE ${where.join(' AND ')}`
    : `SELECT count(*)::int AS total FROM (SELECT FROM audit_events e WHERE ${where.join(' AND ')} LIMIT ${AUDIT_COUNT_CAP}) m`;
  const newer = search.cursor?.direction === 'newer';
  const page = [...where];
  if (search.cursor !== undefined) {
    const { occurred_at, position } = search.cursor;
    const key = `(${params.add(occurred_at, 'timestamptz')}, ${params.add(position, 'text')} COLLATE "C")`;
    page.push(`(e.occurred_at, e.position) ${newer ? '>' : '<'} ${key}`);
  }
  const dir = newer ? 'ASC' : 'DESC';
  // One row beyond the page says whether another page follows in the direction read.
  const limit = params.add(search.page_size + 1, 'int');
  const rows = await reader.run<Nullable<AuditEventRow> & { total: number }>(
    `c.total, ${PAGE_COLUMNS}`,
    `CROSS JOIN LATERAL (${countSql}) c
     LEFT JOIN LATERAL (SELECT ${ROW_COLUMNS} FROM audit_events e
       WHERE ${page.join(' AND ')} ORDER BY e.occurred_at ${dir}, e.position ${dir} LIMIT ${limit}) p ON true`,
    params,
    `p.occurred_at ${dir}, p.position ${dir}`,
  );
  const found: AuditEventDocument[] = [];
  for (const r of rows) {
    // A page of none still brings the count: one row, the page's columns null.
    if (r.event_id === null) continue;
    const row = r as AuditEventRow;
    found.push({
      document: auditEventDocument(row),
      account_id: row.account_id,
      occurred_at: row.occurred_at,
      position: row.position,
    });
  }
  return { ...keysetPage(found, search.page_size, search.cursor?.direction), count: rows[0]?.total ?? 0 };
}

/** Each field of a row, or null (a LEFT JOIN that found none). */
type Nullable<Row> = { [K in keyof Row]: Row[K] | null };

/** A record (stream) of one account as the snapshot lists it. */
export interface AuditRecordRef {
  aggregate: string;
  record_id: string;
}

export interface CreatedRecordsPage {
  /** By record id. */
  records: AuditRecordRef[];
  /** Records created by then that the scope may read, across all pages. */
  count: number;
}

/**
 * The records (streams with a record id) whose first event occurred at or before `as_of`, by record
 * id, after `after` (exclusive), at most `limit`. Which records existed comes from the audit read
 * model; what they looked like is for the caller to fold from the event store.
 * @example
 * const { records, count } = await listRecordsCreatedBy(rm, scope, { as_of: '2024-05-01T14:03:00Z', limit: 100 });
 */
export async function listRecordsCreatedBy(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  options: { as_of: string; after?: string; limit: number },
): Promise<CreatedRecordsPage> {
  const base = withTenantScope(db.selectFrom('audit_events'), scope)
    .where('revision', '=', 0)
    .where('record_id', 'is not', null)
    .where(sql<SqlBool>`occurred_at <= ${options.as_of}::timestamptz`);
  let page = base.select(['aggregate', 'record_id']).orderBy('record_id').limit(options.limit);
  if (options.after !== undefined) page = page.where('record_id', '>', options.after);
  const count = base.select(sql<number>`count(*)::int`.as('total'));
  const result = await db
    .selectFrom(count.as('c'))
    .leftJoinLateral(page.as('p'), (join) => join.onTrue())
    .select(['p.aggregate', 'p.record_id', 'c.total'])
    .execute();
  const records: AuditRecordRef[] = [];
  for (const r of result) {
    if (r.record_id !== null && r.aggregate !== null) records.push({ aggregate: r.aggregate, record_id: r.record_id });
  }
  return { records, count: result[0]?.total ?? 0 };
}
