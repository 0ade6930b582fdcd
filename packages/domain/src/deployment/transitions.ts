import { IllegalTransitionError, RecordAlreadyExistsError, RecordNotFoundError } from '../errors.ts';
import type { DeploymentCommandType } from './commands.ts';
import type { DeploymentPhase } from './state.ts';

/** Rows: the deployment's status. Columns: the commands it accepts, and the status each one leads to. */
export type DeploymentTransitionTable = {
  readonly [P in DeploymentPhase]: Readonly<Partial<Record<DeploymentCommandType, DeploymentPhase>>>;
};

/**
 * The deployment state machine as data. A (status, command) pair missing here is refused.
 * The lifecycle `pending → deploying → deployed | failed`, `deployed → rolled_back`, plus:
 * - `pending → pending` (UpdateDeployment): metadata is editable until the deployment starts;
 * - `pending → cancelled` (CancelDeployment): a deployment withdrawn before it ran. Only while
 *   pending: once deploying, the outcome is the deployer's to report (succeed or fail);
 * - `pending → failed`: a deployment that could not even start; clients may release a site this
 *   way as well as by cancelling.
 * Both `cancelled` and `failed` leave the site's single active slot free.
 * A republish (re-drive) changes nothing, so every existing deployment accepts it and stays put.
 * @example
 * deploymentTransitions.deployed.RollBackDeployment // 'rolled_back'
 */
export const deploymentTransitions: DeploymentTransitionTable = {
  initial: { CreateDeployment: 'pending' },
  pending: {
    UpdateDeployment: 'pending',
    CancelDeployment: 'cancelled',
    StartDeployment: 'deploying',
    FailDeployment: 'failed',
    RepublishDeployment: 'pending',
  },
  deploying: { SucceedDeployment: 'deployed', FailDeployment: 'failed', RepublishDeployment: 'deploying' },
  deployed: { RollBackDeployment: 'rolled_back', RepublishDeployment: 'deployed' },
  failed: { RepublishDeployment: 'failed' },
  rolled_back: { RepublishDeployment: 'rolled_back' },
  cancelled: { RepublishDeployment: 'cancelled' },
};

/**
 * The status a command leads to, or undefined when the table refuses it.
 * @example
 * nextDeploymentPhase('pending', 'StartDeployment') // 'deploying'
 */
function nextDeploymentPhase(phase: DeploymentPhase, command: DeploymentCommandType): DeploymentPhase | undefined {
  return deploymentTransitions[phase][command];
}

/**
 * Throws the error a refused (status, command) pair deserves: not found before creation,
 * already-exists for a second create, illegal transition otherwise. Returns the next status when allowed.
 */
export function assertDeploymentTransition(
  phase: DeploymentPhase,
  command: DeploymentCommandType,
  deploymentId: string | null,
): DeploymentPhase {
  const next = nextDeploymentPhase(phase, command);
  if (next !== undefined) return next;
  if (phase === 'initial') throw new RecordNotFoundError('deployment', command);
  if (command === 'CreateDeployment') throw new RecordAlreadyExistsError('deployment', deploymentId ?? '');
  throw new IllegalTransitionError('deployment', phase, command);
}
