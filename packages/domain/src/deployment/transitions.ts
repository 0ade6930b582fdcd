import { IllegalTransitionError, RecordAlreadyExistsError, RecordNotFoundError } from '../errors.ts';
import type { DeploymentCommandType } from './commands.ts';
import type { DeploymentPhase } from './state.ts';

/** Rows: the deployment's status. Columns: the commands it accepts, and the status each one leads to. */
export type DeploymentTransitionTable = {
  readonly [P in DeploymentPhase]: Readonly<Partial<Record<DeploymentCommandType, DeploymentPhase>>>;
};

/**
 * The deployment state machine as data. A (status, command) pair missing here is refused.
 * `pending → deploying → deployed | failed`, `deployed → rolled_back`, and `pending → failed`:
 * DESIGN.md has no cancel, and a deployment that is created but never started would otherwise hold
 * its site's single active slot for ever; failing it while pending is how an operator releases it.
 * @example
 * deploymentTransitions.deployed.RollBackDeployment // 'rolled_back'
 */
export const deploymentTransitions: DeploymentTransitionTable = {
  initial: { CreateDeployment: 'pending' },
  pending: { StartDeployment: 'deploying', FailDeployment: 'failed' },
  deploying: { SucceedDeployment: 'deployed', FailDeployment: 'failed' },
  deployed: { RollBackDeployment: 'rolled_back' },
  failed: {},
  rolled_back: {},
};

/** Every phase (row) of the table, in lifecycle order. */
export const deploymentPhases = Object.keys(deploymentTransitions) as readonly DeploymentPhase[];

/**
 * The status a command leads to, or undefined when the table refuses it.
 * @example
 * nextDeploymentPhase('pending', 'StartDeployment') // 'deploying'
 */
export function nextDeploymentPhase(
  phase: DeploymentPhase,
  command: DeploymentCommandType,
): DeploymentPhase | undefined {
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
