/**
 * @publisher/read-model — the read side's PostgreSQL tables, migrations and the query functions the
 * projector and the read API share. Every query takes the caller's `TenantScope` (scope.ts).
 */
export {
  type AccessAction,
  type AccessLogEntry,
  type AccessLogWriter,
  accessLogWriter,
  listAccessLog,
} from './access-log.ts';
export {
  type AuditEventDocument,
  type AuditEventRow,
  type AuditRecordRef,
  listRecordsCreatedBy,
  searchAuditEvents,
} from './audit-events.ts';
export type { BatchedReader, RowSource } from './batched-reader.ts';
export {
  CHECKPOINT_CHANNEL,
  type CheckpointNotice,
  checkpointNoticeSql,
  clearProjectionStopped,
  compareAndSetCheckpoint,
  markProjectionStopped,
  NOTICE_ACCOUNTS_MAX,
  type ProjectionStop,
  readCheckpoint,
  skipEvent,
  skippedEventIds,
} from './checkpoints.ts';
export {
  createReadModelConnection,
  isDataError,
  type ReadModelConnection,
  readModelSessionOptions,
  readModelTypes,
} from './connect.ts';
export { copyAuditEvents, copyDeployments, copyPublishingRecords } from './copy.ts';
export { packCursor, unpackCursor } from './cursor.ts';
export {
  READ_MODEL_SCHEMA,
  READ_MODELS_PROJECTION,
  type ReadModelDatabase,
} from './database.ts';
export {
  DEPLOYMENT_ORDER_FIELDS,
  findDeploymentDocument,
  listDeploymentDocuments,
} from './deployments.ts';
export {
  type DocumentPage,
  InvalidCursorError,
  type PageLink,
  type RevisedDocument,
} from './documents.ts';

export { createReadModelIndexes, migrateReadModel } from './migrate.ts';
export { loadDeployments, loadPublishingRecords, saveDeployments, savePublishingRecords } from './projection-store.ts';
export {
  findPublishingRecordDocument,
  listPublishingRecordDocuments,
  listStuckPublishingRecords,
  PUBLISHING_RECORD_ORDER_FIELDS,
  type PublishingRecordFilters,
  type StuckPublishingRecord,
} from './publishing-records.ts';
export type { DeploymentRow, PublishingRecordRow, WithDocument } from './rows.ts';
export { countsSql } from './schema-sql.ts';
export { EVERY_TENANT, ForbiddenAccountError, narrowScope } from './scope.ts';
export { getSiteDeploymentStatus } from './site-status.ts';
