import { type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { PublishingRecordsTable, PublishingStatus, ReadModelDatabase } from './database.ts';
import { documentPage, PUBLISHING_RECORD_DOCUMENT_OF_P } from './documents.ts';
import {
  type CommonFilters,
  type ListResult,
  type Ordering,
  type PageRequest,
  pageOffset,
  withCommonFilters,
  withOrdering,
} from './list-query.ts';
import { PUBLISHING_RECORD_COLUMNS, type PublishingRecordRow, publishingRecordFromDb } from './rows.ts';
import { type TenantScope, withTenantScope } from './scope.ts';

export interface PublishingRecordFilters extends CommonFilters {
  content_id?: number;
  destination?: string;
  /** Any of these statuses. */
  status?: readonly PublishingStatus[];
}

export const PUBLISHING_RECORD_ORDER_FIELDS = ['created_at', 'updated_at', 'published_at'] as const;
export type PublishingRecordOrdering = Ordering<(typeof PUBLISHING_RECORD_ORDER_FIELDS)[number]>;

export interface ListPublishingRecordsOptions extends PageRequest {
  filters?: PublishingRecordFilters;
  /** Default `-created_at`. */
  ordering?: PublishingRecordOrdering;
}

/** The visible (not deleted) publishing records a scope may read, filtered. */
function visible(db: Kysely<ReadModelDatabase>, scope: TenantScope, f: PublishingRecordFilters) {
  let q = withTenantScope(db.selectFrom('publishing_records'), scope).where(sql<SqlBool>`not deleted`);
  q = withCommonFilters(q, f);
  if (f.content_id !== undefined) q = q.where('content_id', '=', f.content_id);
  if (f.destination !== undefined) q = q.where('destination', '=', f.destination);
  if (f.status !== undefined) q = q.where(sql<SqlBool>`status = any(${[...f.status]}::text[])`);
  return q;
}

/**
 * One page of publishing records and the total count, in one round trip.
 * `db` comes from `createReadModelConnection` (its search_path names the read-model schema).
 * @example
 * const { count, rows } = await listPublishingRecords(rm, { account_id: 1, site_ids: null }, {
 *   filters: { status: ['failed'] }, ordering: '-updated_at', page: 1, page_size: 20,
 * });
 */
export async function listPublishingRecords(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  options: ListPublishingRecordsOptions,
): Promise<ListResult<PublishingRecordRow>> {
  const result = await pageWithCount(db, scope, options)
    .select([...PUBLISHING_RECORD_COLUMNS.map((c) => `p.${c}` as const), 'c.total'])
    .execute();
  const rows: PublishingRecordRow[] = [];
  for (const r of result) {
    if (r.id !== null) rows.push(publishingRecordFromDb(r as Omit<Selectable<PublishingRecordsTable>, 'document'>));
  }
  return { count: result[0]?.total ?? 0, rows };
}

/**
 * Like `listPublishingRecords`, the rows as documents (their representations as JSON, see `documents.ts`).
 * @example
 * const { count, rows } = await listPublishingRecordDocuments(rm, scope, { page: 1, page_size: 20 });
 */
export function listPublishingRecordDocuments(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  options: ListPublishingRecordsOptions,
): Promise<ListResult<string>> {
  return documentPage(pageWithCount(db, scope, options).select([...PUBLISHING_RECORD_DOCUMENT_OF_P, 'c.total']));
}

/** The page (`p`, lateral) next to the total count (`c`), so an empty page still has its count. */
function pageWithCount(db: Kysely<ReadModelDatabase>, scope: TenantScope, options: ListPublishingRecordsOptions) {
  const base = visible(db, scope, options.filters ?? {});
  const page = withOrdering(base.selectAll(), options.ordering ?? '-created_at')
    .limit(options.page_size)
    .offset(pageOffset(options));
  const count = base.select(sql<number>`count(*)::int`.as('total'));
  return db.selectFrom(count.as('c')).leftJoinLateral(page.as('p'), (join) => join.onTrue());
}

/**
 * A publishing record the scope may read, or undefined (unknown, deleted or another tenant's).
 * @example
 * const row = await getPublishingRecord(rm, scope, id);
 */
export async function getPublishingRecord(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  id: string,
): Promise<PublishingRecordRow | undefined> {
  const row = await visible(db, scope, {}).select(PUBLISHING_RECORD_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : publishingRecordFromDb(row);
}
