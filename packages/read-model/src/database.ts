import type { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';
import type { ColumnType } from 'kysely';
import type { AccessLogTable } from './access-log.ts';
import type { AuditCountsTable, AuditEventsTable } from './audit-events.ts';
import type { DeploymentRow, PublishingRecordRow, WithDocument } from './rows.ts';

/** Schema that serves reads. A rebuild fills a sibling schema and swaps the names (see the projector's rebuild). */
export const READ_MODEL_SCHEMA = 'read_model';

/** Name of the one projection that maintains every table of the read-model schema. */
export const READ_MODELS_PROJECTION = 'read_models';

/** JSON object column: written as a JSON string, read back parsed by `pg`. */
type JsonObjectColumn = ColumnType<Record<string, unknown>, string, string>;

/**
 * `timestamptz`, read and written as an ISO-8601 string (`2024-05-01T12:00:00.000Z`): connections
 * made by this package return timestamps as such strings (see `connect.ts`), which spares a Date
 * per timestamp on the hot read path.
 */
export type Timestamp = ColumnType<string, string, string>;
type NullableTimestamp = ColumnType<string | null, string | null, string | null>;

export type PublishingStatus = PublishingRecordRepresentation['status'];
export type DeploymentStatus = DeploymentRepresentation['status'];

/**
 * The table of a row kind: the row's columns (rows.ts: the representation plus the projection's
 * bookkeeping; JSON objects are written as JSON text) and its document, the representation as
 * JSON rendered by the projector when it wrote the row, which reads send as it is.
 */
type TableOf<Row> = {
  [K in keyof WithDocument<Row>]: WithDocument<Row>[K] extends Record<string, unknown>
    ? JsonObjectColumn
    : WithDocument<Row>[K];
};

type PublishingRecordsTable = TableOf<PublishingRecordRow>;
type DeploymentsTable = TableOf<DeploymentRow>;

/**
 * The per-site view (an SQL view over `deployments`, so it can never drift from it): the live
 * deployment (highest deployed version not rolled back) and the latest deployment whatever its status.
 */
interface SiteDeploymentStatusView {
  account_id: number;
  site_id: number;
  deployments_count: ColumnType<string, never, never>;
  last_deployment_id: string;
  last_version: number;
  last_status: DeploymentStatus;
  last_error_message: string | null;
  last_updated_at: string;
  live_deployment_id: string | null;
  live_version: number | null;
  live_deployment_url: string | null;
  live_deployed_at: string | null;
}

/** The projection's checkpoint and, when a poison event stopped it, why. */
interface ProjectionCheckpointsTable {
  name: string;
  /** Position of the last event whose effects are committed; null before the first. */
  position: string | null;
  updated_at: ColumnType<string, string | undefined, string>;
  stopped_at: NullableTimestamp;
  stopped_event_id: string | null;
  stopped_event_type: string | null;
  stopped_position: string | null;
  stopped_reason: string | null;
}

/** Operator decisions that must survive a rebuild, so they live outside the swapped schema. */
export const READ_MODEL_CONTROL_SCHEMA = 'read_model_control';

interface SkippedEventsTable {
  projection: string;
  event_id: string;
  /** Type and position as the operator saw them, for the audit trail. */
  event_type: string | null;
  position: string | null;
  reason: string;
  skipped_by: string;
  skipped_at: ColumnType<string, string | undefined, never>;
}

/**
 * Tables of a read-model schema. Unqualified names resolve through the connection's search_path
 * (the live schema, or a rebuild's; see `createReadModelConnection`); the control table is always
 * qualified.
 * @example
 * const { db } = createReadModelConnection({ connectionString });
 * await db.selectFrom('deployments').selectAll().execute();
 */
export interface ReadModelDatabase {
  publishing_records: PublishingRecordsTable;
  deployments: DeploymentsTable;
  site_deployment_status: SiteDeploymentStatusView;
  projection_checkpoints: ProjectionCheckpointsTable;
  audit_events: AuditEventsTable;
  audit_counts: AuditCountsTable;
  'read_model_control.skipped_events': SkippedEventsTable;
  'audit_trail.access_log': AccessLogTable;
}
