import type { PublishingRecordRepresentation } from '@publisher/contracts';
import type { TenantScope } from '@publisher/platform';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely';
import type pg from 'pg';
import type { BatchedReader } from './batched-reader.ts';
import { type PublishingStatus, READ_MODEL_SCHEMA, type ReadModelDatabase } from './database.ts';
import {
  COMMON_FILTERS,
  type CommonFilters,
  type DocumentPage,
  findDocument,
  type ListTable,
  listDocuments,
  type PageRequest,
  type RevisedDocument,
} from './documents.ts';
import { withTenantScope } from './scope.ts';

export interface PublishingRecordFilters extends CommonFilters {
  content_id?: number;
  destination?: string;
  /** Any of these statuses. */
  status?: readonly PublishingStatus[];
}

export const PUBLISHING_RECORD_ORDER_FIELDS = ['created_at', 'updated_at', 'published_at'] as const;
export type PublishingRecordOrderField = (typeof PUBLISHING_RECORD_ORDER_FIELDS)[number];

const LIST: ListTable<PublishingRecordFilters, PublishingRecordOrderField, 'publishing_records'> = {
  table: 'publishing_records',
  visible: 'NOT r.deleted',
  filters: {
    ...COMMON_FILTERS,
    content_id: { column: 'content_id', type: 'int', op: '=' },
    destination: { column: 'destination', type: 'text', op: '=' },
    status: { column: 'status', type: 'text', op: 'any' },
  },
  order: {
    created_at: { type: 'timestamptz', nullable: false },
    updated_at: { type: 'timestamptz', nullable: false },
    published_at: { type: 'timestamptz', nullable: true },
  },
  counts: { table: 'publishing_record_counts', filters: ['site_id', 'status'] },
};

/**
 * One page of the (not deleted) publishing records the scope may read, as documents, with the
 * total count and the neighbouring pages' cursors.
 * @example
 * const page = await listPublishingRecordDocuments(rm.reader, { account_id: 1, site_ids: null }, { status: ['failed'] }, {
 *   ordering: '-updated_at', page_size: 20,
 * });
 */
export function listPublishingRecordDocuments(
  reader: BatchedReader,
  scope: TenantScope,
  filters: PublishingRecordFilters,
  page: PageRequest<PublishingRecordOrderField>,
): Promise<DocumentPage<PublishingRecordRepresentation>> {
  return listDocuments(reader, LIST, scope, filters, page);
}

/**
 * The document of a publishing record the scope may read, or undefined (unknown, deleted or another tenant's).
 * @example
 * const found = await findPublishingRecordDocument(rm.reader, scope, id); // { revision: 3, document: '{"id":…}' }
 */
export function findPublishingRecordDocument(
  reader: BatchedReader,
  scope: TenantScope,
  id: string,
): Promise<RevisedDocument<PublishingRecordRepresentation> | undefined> {
  return findDocument(reader, LIST, scope, id);
}

/** A publishing record left in `publishing`: what the command API's stuck-record sweep needs of it. */
export interface StuckPublishingRecord {
  id: string;
  revision: number;
  attempts: number;
  /** When its attempt started (the record has not changed since). */
  updated_at: Date;
}

/**
 * Builds statements without running them: the sweep runs this one on its own connection (the one
 * holding its advisory lock), outside this package's pools — hence the qualified table name.
 */
const builder = new Kysely<ReadModelDatabase>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
}).withSchema(READ_MODEL_SCHEMA);

/**
 * The scope's (not deleted) records in `publishing` unchanged since before `before`, oldest first,
 * at most `limit` (a partial index serves it).
 * @example
 * const stuck = await listStuckPublishingRecords(client, EVERY_TENANT, { before: cutoff, limit: 100 });
 */
export async function listStuckPublishingRecords(
  client: pg.ClientBase | pg.Pool,
  scope: TenantScope,
  options: { before: Date; limit: number },
): Promise<StuckPublishingRecord[]> {
  const query = withTenantScope(
    builder.selectFrom('publishing_records').select(['id', 'revision', 'attempts', 'updated_at']),
    scope,
  )
    // Literals, the partial index's own predicate, so that every plan can use the index.
    .where(sql<boolean>`status = 'publishing' AND NOT deleted`)
    .where('updated_at', '<', options.before.toISOString())
    .orderBy('updated_at')
    .limit(options.limit)
    .compile();
  const { rows } = await client.query(query.sql, [...query.parameters]);
  // A pool of this package reads timestamps as ISO strings, others as Dates.
  return rows.map((r) => ({ ...r, updated_at: new Date(r.updated_at) }));
}
