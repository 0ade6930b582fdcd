import { type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { DeploymentStatus, DeploymentsTable, ReadModelDatabase } from './database.ts';
import { DEPLOYMENT_DOCUMENT_OF_P, documentPage } from './documents.ts';
import {
  type CommonFilters,
  type ListResult,
  type Ordering,
  type PageRequest,
  pageOffset,
  withCommonFilters,
  withOrdering,
} from './list-query.ts';
import { DEPLOYMENT_COLUMNS, type DeploymentRow, deploymentFromDb } from './rows.ts';
import { type TenantScope, withTenantScope } from './scope.ts';

export interface DeploymentFilters extends CommonFilters {
  version?: number;
  /** Any of these statuses. */
  status?: readonly DeploymentStatus[];
}

export const DEPLOYMENT_ORDER_FIELDS = ['created_at', 'updated_at', 'version', 'deployed_at'] as const;
export type DeploymentOrdering = Ordering<(typeof DEPLOYMENT_ORDER_FIELDS)[number]>;

export interface ListDeploymentsOptions extends PageRequest {
  filters?: DeploymentFilters;
  /** Default `-created_at`. */
  ordering?: DeploymentOrdering;
}

function visible(db: Kysely<ReadModelDatabase>, scope: TenantScope, f: DeploymentFilters) {
  let q = withCommonFilters(withTenantScope(db.selectFrom('deployments'), scope), f);
  if (f.version !== undefined) q = q.where('version', '=', f.version);
  if (f.status !== undefined) q = q.where(sql<SqlBool>`status = any(${[...f.status]}::text[])`);
  return q;
}

/**
 * One page of deployments and the total count, in one round trip.
 * @example
 * const { count, rows } = await listDeployments(rm, scope, { filters: { site_id: 3 }, ordering: '-version', page: 1, page_size: 20 });
 */
export async function listDeployments(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  options: ListDeploymentsOptions,
): Promise<ListResult<DeploymentRow>> {
  const result = await pageWithCount(db, scope, options)
    .select([...DEPLOYMENT_COLUMNS.map((c) => `p.${c}` as const), 'c.total'])
    .execute();
  const rows: DeploymentRow[] = [];
  for (const r of result) {
    if (r.id !== null) rows.push(deploymentFromDb(r as Omit<Selectable<DeploymentsTable>, 'document'>));
  }
  return { count: result[0]?.total ?? 0, rows };
}

/**
 * Like `listDeployments`, the rows as documents (their representations as JSON, see `documents.ts`).
 * @example
 * const { count, rows } = await listDeploymentDocuments(rm, scope, { page: 1, page_size: 20 });
 */
export function listDeploymentDocuments(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  options: ListDeploymentsOptions,
): Promise<ListResult<string>> {
  return documentPage(pageWithCount(db, scope, options).select([...DEPLOYMENT_DOCUMENT_OF_P, 'c.total']));
}

/** The page (`p`, lateral) next to the total count (`c`), so an empty page still has its count. */
function pageWithCount(db: Kysely<ReadModelDatabase>, scope: TenantScope, options: ListDeploymentsOptions) {
  const base = visible(db, scope, options.filters ?? {});
  const page = withOrdering(base.selectAll(), options.ordering ?? '-created_at')
    .limit(options.page_size)
    .offset(pageOffset(options));
  const count = base.select(sql<number>`count(*)::int`.as('total'));
  return db.selectFrom(count.as('c')).leftJoinLateral(page.as('p'), (join) => join.onTrue());
}

/**
 * A deployment the scope may read, or undefined (unknown or another tenant's).
 * @example
 * const row = await getDeployment(rm, scope, id);
 */
export async function getDeployment(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  id: string,
): Promise<DeploymentRow | undefined> {
  const row = await visible(db, scope, {}).select(DEPLOYMENT_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : deploymentFromDb(row);
}
