import type { DeploymentRepresentation, PublishingRecordRepresentation } from '@publisher/contracts';
import type { Selectable } from 'kysely';
import type { DeploymentStatus, DeploymentsTable, PublishingRecordsTable, PublishingStatus } from './database.ts';

/**
 * A publishing record as projections compute it: plain data, timestamps as ISO-8601 strings.
 * It is the representation plus the projection's bookkeeping (`deleted`, `last_position`).
 */
export interface PublishingRecordRow {
  id: string;
  account_id: number;
  site_id: number;
  sector_id: number;
  content_id: number;
  destination: string;
  destination_config: Record<string, unknown>;
  status: PublishingStatus;
  external_url: string | null;
  external_id: string | null;
  error_message: string | null;
  attempts: number;
  metadata: Record<string, unknown>;
  revision: number;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  deleted: boolean;
  last_position: string;
}

/** A deployment as projections compute it (see `PublishingRecordRow`). */
export interface DeploymentRow {
  id: string;
  account_id: number;
  site_id: number;
  sector_id: number | null;
  version: number;
  status: DeploymentStatus;
  deployment_url: string | null;
  error_message: string | null;
  metadata: Record<string, unknown>;
  revision: number;
  created_at: string;
  updated_at: string;
  deployed_at: string | null;
  rolled_back_at: string | null;
  last_position: string;
}

/** The columns of a `PublishingRecordRow` (every column but the document), in table order. */
export const PUBLISHING_RECORD_COLUMNS = [
  'id',
  'account_id',
  'site_id',
  'sector_id',
  'content_id',
  'destination',
  'destination_config',
  'status',
  'external_url',
  'external_id',
  'error_message',
  'attempts',
  'metadata',
  'revision',
  'created_at',
  'updated_at',
  'published_at',
  'deleted',
  'last_position',
] as const satisfies ReadonlyArray<keyof PublishingRecordRow>;

/** The columns of a `DeploymentRow`, in table order. */
export const DEPLOYMENT_COLUMNS = [
  'id',
  'account_id',
  'site_id',
  'sector_id',
  'version',
  'status',
  'deployment_url',
  'error_message',
  'metadata',
  'revision',
  'created_at',
  'updated_at',
  'deployed_at',
  'rolled_back_at',
  'last_position',
] as const satisfies ReadonlyArray<keyof DeploymentRow>;

/** A selected `publishing_records` row as plain data (the connection already returns ISO timestamps). */
export function publishingRecordFromDb(r: Omit<Selectable<PublishingRecordsTable>, 'document'>): PublishingRecordRow {
  return r;
}

/** A selected `deployments` row as plain data. */
export function deploymentFromDb(r: Omit<Selectable<DeploymentsTable>, 'document'>): DeploymentRow {
  return r;
}

/**
 * The wire representation of a publishing record (DESIGN.md "Representations").
 * @example
 * reply.send({ success: true, data: publishingRecordRepresentation(row), request_id })
 */
export function publishingRecordRepresentation(r: PublishingRecordRow): PublishingRecordRepresentation {
  return {
    id: r.id,
    account_id: r.account_id,
    site_id: r.site_id,
    sector_id: r.sector_id,
    content_id: r.content_id,
    destination: r.destination,
    destination_config: r.destination_config,
    status: r.status,
    external_url: r.external_url,
    external_id: r.external_id,
    error_message: r.error_message,
    attempts: r.attempts,
    metadata: r.metadata,
    revision: r.revision,
    created_at: r.created_at,
    updated_at: r.updated_at,
    published_at: r.published_at,
  };
}

/** The wire representation of a deployment (DESIGN.md "Representations"). */
export function deploymentRepresentation(r: DeploymentRow): DeploymentRepresentation {
  return {
    id: r.id,
    account_id: r.account_id,
    site_id: r.site_id,
    sector_id: r.sector_id,
    version: r.version,
    status: r.status,
    deployment_url: r.deployment_url,
    error_message: r.error_message,
    metadata: r.metadata,
    revision: r.revision,
    created_at: r.created_at,
    updated_at: r.updated_at,
    deployed_at: r.deployed_at,
    rolled_back_at: r.rolled_back_at,
  };
}
