import type { BatchedReader } from './batched-reader.ts';
import type { PublishingStatus } from './database.ts';
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
import type { TenantScope } from './scope.ts';

export interface PublishingRecordFilters extends CommonFilters {
  content_id?: number;
  destination?: string;
  /** Any of these statuses. */
  status?: readonly PublishingStatus[];
}

export const PUBLISHING_RECORD_ORDER_FIELDS = ['created_at', 'updated_at', 'published_at'] as const;
export type PublishingRecordOrderField = (typeof PUBLISHING_RECORD_ORDER_FIELDS)[number];

const LIST: ListTable<PublishingRecordFilters, PublishingRecordOrderField> = {
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
): Promise<DocumentPage> {
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
): Promise<RevisedDocument | undefined> {
  return findDocument(reader, LIST, scope, id);
}
