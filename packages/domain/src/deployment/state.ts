import { assertNever } from '../validation.ts';
import type { DeploymentEvent } from './events.ts';

export type DeploymentStatus = 'pending' | 'deploying' | 'deployed' | 'failed' | 'rolled_back' | 'cancelled';

/**
 * A deployment as the aggregate knows it: every field of `DeploymentRepresentation` except
 * `revision` (the stream revision, which the caller knows from the store).
 */
export interface Deployment {
  status: DeploymentStatus;
  id: string;
  account_id: number;
  site_id: number;
  sector_id: number | null;
  version: number;
  deployment_url: string | null;
  error_message: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  deployed_at: string | null;
  rolled_back_at: string | null;
}

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
    return {
      status: 'pending',
      id: d.deployment_id,
      account_id: d.account_id,
      site_id: d.site_id,
      sector_id: d.sector_id,
      version: d.version,
      deployment_url: null,
      error_message: null,
      metadata: d.metadata,
      created_at: d.at,
      updated_at: d.at,
      deployed_at: null,
      rolled_back_at: null,
    };
  }
  if (state.status === 'initial') return state;
  switch (event.type) {
    case 'DeploymentUpdated':
      return { ...state, metadata: event.data.changes.metadata, updated_at: event.data.at };
    case 'DeploymentCancelled':
      // No timestamp field of its own (the representation has none for it): `updated_at` says when.
      return { ...state, status: 'cancelled', updated_at: event.data.at };
    case 'DeploymentStarted':
      return { ...state, status: 'deploying', updated_at: event.data.at };
    case 'DeploymentSucceeded':
      return {
        ...state,
        status: 'deployed',
        deployment_url: event.data.deployment_url,
        deployed_at: event.data.at,
        updated_at: event.data.at,
      };
    case 'DeploymentFailed':
      return { ...state, status: 'failed', error_message: event.data.error, updated_at: event.data.at };
    case 'DeploymentRolledBack':
      return { ...state, status: 'rolled_back', rolled_back_at: event.data.at, updated_at: event.data.at };
    case 'DeploymentRepublishRequested':
      // A re-drive changes no field of the deployment (not even updated_at): only the revision moves.
      return state;
    default:
      return assertNever(event, 'deployment event');
  }
}
