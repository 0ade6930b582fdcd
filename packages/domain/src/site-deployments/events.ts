/**
 * The per-site deployment ledger (stream `site_deployments-{account_id}-{site_id}`): it hands out
 * versions and guards "one active deployment per site" through the stream's optimistic concurrency.
 *
 * Creating a deployment appends DeploymentVersionReserved here first (expected revision = the
 * ledger's revision), then DeploymentCreated to `deployment-{id}` with an event id derived from the
 * reservation, so a crash between the two appends is repaired by re-deriving the create from the
 * reservation (idempotent re-append). The ledger is internal: projections and the Kafka relay skip it.
 */
export interface DeploymentVersionReserved {
  type: 'DeploymentVersionReserved';
  data: {
    deployment_id: string;
    account_id: number;
    site_id: number;
    sector_id: number | null;
    version: number;
    metadata: Record<string, unknown>;
    at: string;
  };
}

export type SiteDeploymentsEvent = DeploymentVersionReserved;

export const siteDeploymentsStream = (accountId: number, siteId: number): string =>
  `site_deployments-${accountId}-${siteId}`;
