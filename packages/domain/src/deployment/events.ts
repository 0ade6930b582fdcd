/**
 * Internal events of the deployment aggregate (stream `deployment-{id}`).
 * The site's version counter lives in the site-deployments ledger (see ../site-deployments).
 */

export interface DeploymentCreated {
  type: 'DeploymentCreated';
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

/** The metadata was replaced while pending; `changes` holds only what the command changed. */
export interface DeploymentUpdated {
  type: 'DeploymentUpdated';
  data: { deployment_id: string; changes: { metadata: Record<string, unknown> }; at: string };
}

/** A pending deployment was withdrawn: it frees its site, its version is never handed out again. */
export interface DeploymentCancelled {
  type: 'DeploymentCancelled';
  data: { deployment_id: string; reason: string | null; at: string };
}

export interface DeploymentStarted {
  type: 'DeploymentStarted';
  data: { deployment_id: string; at: string };
}

export interface DeploymentSucceeded {
  type: 'DeploymentSucceeded';
  data: { deployment_id: string; deployment_url: string; at: string };
}

export interface DeploymentFailed {
  type: 'DeploymentFailed';
  data: { deployment_id: string; error: string; at: string };
}

export interface DeploymentRolledBack {
  type: 'DeploymentRolledBack';
  data: { deployment_id: string; reason: string | null; at: string };
}

/** Re-drive: the deployment's integration events are to be re-sent as replays (see the relay). */
export interface DeploymentRepublishRequested {
  type: 'DeploymentRepublishRequested';
  data: { deployment_id: string; replay_id: string; reason: string; at: string };
}

export type DeploymentEvent =
  | DeploymentCreated
  | DeploymentUpdated
  | DeploymentCancelled
  | DeploymentStarted
  | DeploymentSucceeded
  | DeploymentFailed
  | DeploymentRolledBack
  | DeploymentRepublishRequested;

export type DeploymentEventType = DeploymentEvent['type'];

export const deploymentStream = (deploymentId: string): string => `deployment-${deploymentId}`;
