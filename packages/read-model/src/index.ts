/**
 * @publisher/read-model — the read side's PostgreSQL tables, migrations and the query functions the
 * projector and the read API share. Every query takes the caller's `TenantScope` (scope.ts).
 */
export {
  type AccessAction,
  type AccessLogCursor,
  type AccessLogEntry,
  type AccessLogPage,
  type AccessLogRow,
  type AccessLogTable,
  type AccessLogWriter,
  accessLogWriter,
  listAccessLog,
} from './access-log.ts';
export {
  type AuditCountsTable,
  type AuditCursor,
  type AuditEventDocument,
  type AuditEventFilters,
  type AuditEventPage,
  type AuditEventRow,
  type AuditEventsTable,
  type AuditRecordRef,
  type AuditSearch,
  type CreatedRecordsPage,
  listRecordsCreatedBy,
  searchAuditEvents,
} from './audit-events.ts';
export { BatchedReader, type BatchedReaderOptions, type ParamType, type RowSource } from './batched-reader.ts';
export {
  CHECKPOINT_CHANNEL,
  type CheckpointNotice,
  type CheckpointState,
  checkpointNoticeSql,
  clearProjectionStopped,
  compareAndSetCheckpoint,
  markProjectionStopped,
  NOTICE_ACCOUNTS_MAX,
  type ProjectionStop,
  readCheckpoint,
  type SkippedEvent,
  skipEvent,
  skippedEventIds,
} from './checkpoints.ts';
export {
  createReadModelConnection,
  isDataError,
  type ReadModelConnection,
  type ReadModelConnectionOptions,
  readModelSessionOptions,
  readModelTypes,
} from './connect.ts';
export { copyAuditEvents, copyDeployments, copyPublishingRecords } from './copy.ts';
export { packCursor, unpackCursor } from './cursor.ts';
export {
  type DeploymentStatus,
  type DeploymentsTable,
  type JsonObjectColumn,
  type NullableTimestamp,
  type ProjectionCheckpointsTable,
  type PublishingRecordsTable,
  type PublishingStatus,
  READ_MODEL_SCHEMA,
  READ_MODELS_PROJECTION,
  type ReadModelDatabase,
  type SiteDeploymentStatusView,
  type SkippedEventsTable,
  type Timestamp,
} from './database.ts';
export {
  DEPLOYMENT_ORDER_FIELDS,
  type DeploymentFilters,
  type DeploymentOrderField,
  findDeploymentDocument,
  listDeploymentDocuments,
} from './deployments.ts';
export {
  type CommonFilters,
  type DocumentPage,
  InvalidCursorError,
  type Ordering,
  type PageLink,
  type PageRequest,
  type RevisedDocument,
  type StoredDocument,
} from './documents.ts';
export type { KeysetPage } from './keyset-page.ts';
export { createReadModelIndexes, type MigrateReadModelOptions, migrateReadModel } from './migrate.ts';
export { loadDeployments, loadPublishingRecords, saveDeployments, savePublishingRecords } from './projection-store.ts';
export {
  findPublishingRecordDocument,
  listPublishingRecordDocuments,
  listStuckPublishingRecords,
  PUBLISHING_RECORD_ORDER_FIELDS,
  type PublishingRecordFilters,
  type PublishingRecordOrderField,
  type StuckPublishingRecord,
} from './publishing-records.ts';
export type { ColumnSqlType, DeploymentRow, PublishingRecordRow, RowWrites, WithDocument } from './rows.ts';
export { countsSql } from './schema-sql.ts';
export { EVERY_TENANT, ForbiddenAccountError, narrowScope } from './scope.ts';
export { getSiteDeploymentStatus } from './site-status.ts';
