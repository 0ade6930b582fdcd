import type { DeploymentRepresentation } from '@publisher/contracts';
import type { TenantScope } from '@publisher/platform';
import type { BatchedReader } from './batched-reader.ts';
import type { DeploymentStatus } from './database.ts';
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

export interface DeploymentFilters extends CommonFilters {
  version?: number;
  /** Any of these statuses. */
  status?: readonly DeploymentStatus[];
}

export const DEPLOYMENT_ORDER_FIELDS = ['created_at', 'updated_at', 'version', 'deployed_at'] as const;
export type DeploymentOrderField = (typeof DEPLOYMENT_ORDER_FIELDS)[number];

const LIST: ListTable<DeploymentFilters, DeploymentOrderField, 'deployments'> = {
  table: 'deployments',
  visible: null,
  filters: {
    ...COMMON_FILTERS,
    version: { column: 'version', type: 'int', op: '=' },
    status: { column: 'status', type: 'text', op: 'any' },
  },
  order: {
    created_at: { type: 'timestamptz', nullable: false },
    updated_at: { type: 'timestamptz', nullable: false },
    version: { type: 'int', nullable: false },
    deployed_at: { type: 'timestamptz', nullable: true },
  },
  counts: { table: 'deployment_counts', filters: ['site_id', 'status'] },
};

/**
 * One page of the deployments the scope may read, as documents (see `listPublishingRecordDocuments`).
 * @example
 * const page = await listDeploymentDocuments(rm.reader, scope, { site_id: 3 }, { ordering: '-version', page_size: 20 });
 */
export function listDeploymentDocuments(
  reader: BatchedReader,
  scope: TenantScope,
  filters: DeploymentFilters,
  page: PageRequest<DeploymentOrderField>,
): Promise<DocumentPage<DeploymentRepresentation>> {
  return listDocuments(reader, LIST, scope, filters, page);
}

/**
 * The document of a deployment the scope may read, or undefined (unknown or another tenant's).
 * @example
 * const found = await findDeploymentDocument(rm.reader, scope, id);
 */
export function findDeploymentDocument(
  reader: BatchedReader,
  scope: TenantScope,
  id: string,
): Promise<RevisedDocument<DeploymentRepresentation> | undefined> {
  return findDocument(reader, LIST, scope, id);
}
