/**
 * @publisher/read-model — the read side's PostgreSQL tables, migrations and the query functions the
 * projector and the read API share. Every query takes the caller's `TenantScope` (scope.ts).
 */
export * from './access-log.ts';
export * from './audit-events.ts';
export {
  BatchedReader,
  type BatchedReaderOptions,
  type ParamType,
  type Queryable,
  QueryTimeoutError,
  RequestParams,
} from './batched-reader.ts';
export * from './checkpoints.ts';
export * from './connect.ts';
export * from './copy.ts';
export * from './cursor.ts';
export * from './database.ts';
export * from './deployments.ts';
export {
  type CommonFilters,
  type DocumentPage,
  InvalidCursorError,
  type Ordering,
  type PageLink,
  type PageRequest,
  type RevisedDocument,
} from './documents.ts';
export * from './keyset-page.ts';
export * from './migrate.ts';
export * from './projection-store.ts';
export * from './publishing-records.ts';
export * from './rows.ts';
export * from './schema-sql.ts';
export * from './scope.ts';
export * from './site-status.ts';
