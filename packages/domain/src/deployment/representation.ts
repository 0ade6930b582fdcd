import type { DeploymentRepresentation } from '@publisher/contracts';
import type { Deployment } from './state.ts';

/**
 * The one mapping from a deployment's state to its wire representation (see
 * `representPublishingRecord`).
 * @example
 * const state = events.reduce(deploymentAggregate.evolve, deploymentAggregate.initial);
 * if (deploymentAggregate.exists(state)) data = deploymentAggregate.represent(state, revision);
 */
export function representDeployment(d: Deployment, revision: number): DeploymentRepresentation {
  return {
    id: d.id,
    account_id: d.account_id,
    site_id: d.site_id,
    sector_id: d.sector_id,
    version: d.version,
    status: d.status,
    deployment_url: d.deployment_url,
    error_message: d.error_message,
    metadata: d.metadata,
    revision,
    created_at: d.created_at,
    updated_at: d.updated_at,
    deployed_at: d.deployed_at,
    rolled_back_at: d.rolled_back_at,
  };
}
