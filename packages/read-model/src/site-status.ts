import type { SiteDeploymentStatusRepresentation } from '@publisher/contracts';
import type { TenantScope } from '@publisher/platform';
import type { Kysely } from 'kysely';
import type { ReadModelDatabase } from './database.ts';
import { checkScope, TenantScopeError, withTenantScope } from './scope.ts';

/**
 * The deployment status of one site of one account, or undefined when the scope sees no deployment
 * of it. The scope must name the account: nothing here says which account a site id belongs to
 * (the platform's site registry does), so a privileged caller names it (`narrowScope`).
 * @example
 * const status = await getSiteDeploymentStatus(rm.db, { account_id: 1, site_ids: null }, 3);
 * status?.live?.version // 4
 * @throws TenantScopeError for a scope of every account
 */
export async function getSiteDeploymentStatus(
  db: Kysely<ReadModelDatabase>,
  scope: TenantScope,
  siteId: number,
): Promise<SiteDeploymentStatusRepresentation | undefined> {
  if (checkScope(scope).account_id === 'any') throw new TenantScopeError(scope);
  const r = await withTenantScope(db.selectFrom('site_deployment_status').selectAll(), scope)
    .where('site_id', '=', siteId)
    .executeTakeFirst();
  if (r === undefined) return undefined;
  return {
    account_id: r.account_id,
    site_id: r.site_id,
    deployments_count: Number(r.deployments_count),
    // The view fills every live_* column from one deployments row (id and version NOT NULL) or none.
    live:
      r.live_deployment_id === null || r.live_version === null
        ? null
        : {
            deployment_id: r.live_deployment_id,
            version: r.live_version,
            deployment_url: r.live_deployment_url,
            deployed_at: r.live_deployed_at,
          },
    last_deployment: {
      deployment_id: r.last_deployment_id,
      version: r.last_version,
      status: r.last_status,
      error_message: r.last_error_message,
      updated_at: r.last_updated_at,
    },
  };
}
