import type { DeploymentRepresentation, DeploymentStatus } from '@publisher/contracts';
import { canonicalId, canonicalTime } from '../canonical.ts';
import { assertNever } from '../validation.ts';
import type { DeploymentEvent } from './events.ts';

export type { DeploymentStatus };

/**
 * A deployment as the aggregate knows it: every field of `DeploymentRepresentation` except
 * `revision` (the stream revision, which the caller knows from the store). Ids and times are kept in
 * canonical form (see `canonicalTime`), so every reader folds the same deployment.
 */
export type Deployment = Omit<DeploymentRepresentation, 'revision'>;

export interface InitialDeploymentState {
  status: 'initial';
}

/** Tagged by `status`: `'initial'` before the create event, a deployment afterwards. */
export type DeploymentState = InitialDeploymentState | Deployment;

export const initialDeploymentState: InitialDeploymentState = Object.freeze({ status: 'initial' });

/** The row of the transition table a state sits in. */
export type DeploymentPhase = DeploymentState['status'];

/**
 * True while a deployment holds its site's single active slot (pending or deploying).
 * @example
 * isActiveDeploymentStatus('deploying') // true
 * isActiveDeploymentStatus('failed')    // false
 */
export function isActiveDeploymentStatus(status: DeploymentStatus): boolean {
  return status === 'pending' || status === 'deploying';
}

/**
 * Applies one event. Pure; events that cannot apply to the state (which `decideDeployment`
 * never produces) leave it unchanged, as in Emmett.
 * @example
 * const state = evolveDeployment(initialDeploymentState, createdEvent); // status 'pending'
 */
export function evolveDeployment(state: DeploymentState, event: DeploymentEvent): DeploymentState {
  if (event.type === 'DeploymentCreated') {
    if (state.status !== 'initial') return state;
    const d = event.data;
    const at = canonicalTime(d.at);
    return {
      status: 'pending',
      id: canonicalId(d.deployment_id),
      account_id: d.account_id,
      site_id: d.site_id,
      sector_id: d.sector_id,
      version: d.version,
      deployment_url: null,
      error_message: null,
      metadata: d.metadata,
      created_at: at,
      updated_at: at,
      deployed_at: null,
      rolled_back_at: null,
    };
  }
  if (state.status === 'initial') return state;
  const at = canonicalTime(event.data.at);
  switch (event.type) {
    case 'DeploymentUpdated':
      return { ...state, metadata: event.data.changes.metadata, updated_at: at };
    case 'DeploymentCancelled':
      // No timestamp field of its own (the representation has none for it): `updated_at` says when.
      return { ...state, status: 'cancelled', updated_at: at };
    case 'DeploymentStarted':
      return { ...state, status: 'deploying', updated_at: at };
    case 'DeploymentSucceeded':
      return {
        ...state,
        status: 'deployed',
        deployment_url: event.data.deployment_url,
        deployed_at: at,
        updated_at: at,
      };
    case 'DeploymentFailed':
      return { ...state, status: 'failed', error_message: event.data.error, updated_at: at };
    case 'DeploymentRolledBack':
      return { ...state, status: 'rolled_back', rolled_back_at: at, updated_at: at };
    case 'DeploymentRepublishRequested':
      // A re-drive changes no field of the deployment (not even updated_at): only the revision moves.
      return state;
    default:
      return assertNever(event, 'deployment event');
  }
}
