/**
 * Commands of the deployment aggregate (imperative). The version comes from the site-deployments
 * ledger (see ../site-deployments); time comes from the decider's context.
 */

type NoData = Record<string, never>;

interface CreateDeployment {
  type: 'CreateDeployment';
  data: {
    deployment_id: string;
    account_id: number;
    site_id: number;
    sector_id: number | null;
    version: number;
    metadata: Record<string, unknown>;
  };
}

/** Replaces the metadata while the deployment is pending (before anything was deployed). */
interface UpdateDeployment {
  type: 'UpdateDeployment';
  data: { metadata: Record<string, unknown> };
}

/**
 * Withdraws a pending deployment: it never runs, its version stays taken, and its site is free
 * for the next deployment.
 */
interface CancelDeployment {
  type: 'CancelDeployment';
  data: { reason?: string | null };
}

interface StartDeployment {
  type: 'StartDeployment';
  data: NoData;
}

interface SucceedDeployment {
  type: 'SucceedDeployment';
  data: { deployment_url: string };
}

interface FailDeployment {
  type: 'FailDeployment';
  data: { error: string };
}

interface RollBackDeployment {
  type: 'RollBackDeployment';
  data: { reason?: string | null };
}

/**
 * Re-drive (support): send the deployment's integration events to Kafka again, marked as replays
 * with `replay_id` (see RepublishPublishingRecord). The deployment does not change.
 */
interface RepublishDeployment {
  type: 'RepublishDeployment';
  data: { replay_id: string; reason: string };
}

export type DeploymentCommand =
  | CreateDeployment
  | UpdateDeployment
  | CancelDeployment
  | StartDeployment
  | SucceedDeployment
  | FailDeployment
  | RollBackDeployment
  | RepublishDeployment;

export type DeploymentCommandType = DeploymentCommand['type'];
