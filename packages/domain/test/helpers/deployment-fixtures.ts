import { deploymentTransitions } from '../../src/deployment/transitions.ts';
import type {
  DeploymentCancelled,
  DeploymentCommand,
  DeploymentCommandType,
  DeploymentCreated,
  DeploymentEvent,
  DeploymentEventType,
  DeploymentFailed,
  DeploymentPhase,
  DeploymentRolledBack,
  DeploymentStarted,
  DeploymentState,
  DeploymentSucceeded,
  DeploymentUpdated,
} from '../../src/index.ts';
import { decideDeployment, evolveDeployment, initialDeploymentState } from '../../src/index.ts';
import type { Decider } from './spec.ts';

export const DEPLOYMENT_ID = '5d1c2b8e-7f0a-4e1b-8c3d-9a6f4e2b1c07';

export const deploymentDecider: Decider<DeploymentCommand, DeploymentState, DeploymentEvent> = {
  decide: decideDeployment,
  evolve: evolveDeployment,
  initialState: initialDeploymentState,
};

export const deploymentCreated: DeploymentCreated = {
  type: 'DeploymentCreated',
  data: {
    deployment_id: DEPLOYMENT_ID,
    account_id: 7,
    site_id: 11,
    sector_id: null,
    version: 3,
    metadata: { commit: 'abc123' },
    at: '2024-05-01T09:00:00.000Z',
  },
};
export const deploymentStarted: DeploymentStarted = {
  type: 'DeploymentStarted',
  data: { deployment_id: DEPLOYMENT_ID, at: '2024-05-01T09:01:00.000Z' },
};
export const deploymentSucceeded: DeploymentSucceeded = {
  type: 'DeploymentSucceeded',
  data: { deployment_id: DEPLOYMENT_ID, deployment_url: 'https://site-11.example.com', at: '2024-05-01T09:02:00.000Z' },
};
const deploymentFailed: DeploymentFailed = {
  type: 'DeploymentFailed',
  data: { deployment_id: DEPLOYMENT_ID, error: 'build failed', at: '2024-05-01T09:02:00.000Z' },
};
const deploymentRolledBack: DeploymentRolledBack = {
  type: 'DeploymentRolledBack',
  data: { deployment_id: DEPLOYMENT_ID, reason: 'broken header', at: '2024-05-01T09:03:00.000Z' },
};
export const deploymentUpdated: DeploymentUpdated = {
  type: 'DeploymentUpdated',
  data: { deployment_id: DEPLOYMENT_ID, changes: { metadata: { commit: 'def456' } }, at: '2024-05-01T09:00:30.000Z' },
};
export const deploymentCancelled: DeploymentCancelled = {
  type: 'DeploymentCancelled',
  data: { deployment_id: DEPLOYMENT_ID, reason: 'superseded by a newer commit', at: '2024-05-01T09:01:00.000Z' },
};

/** The state after `events` (oldest first). */
export const foldDeployment = (events: DeploymentEvent[]): DeploymentState =>
  events.reduce<DeploymentState>(evolveDeployment, initialDeploymentState);

/** Every phase (row) of the transition table, in lifecycle order. */
export const deploymentPhases = Object.keys(deploymentTransitions) as DeploymentPhase[];

/** Past events per status; typed by the status union, so a new status without a fixture does not compile. */
export const deploymentHistoryFor: Record<DeploymentPhase, DeploymentEvent[]> = {
  initial: [],
  pending: [deploymentCreated],
  deploying: [deploymentCreated, deploymentStarted],
  deployed: [deploymentCreated, deploymentStarted, deploymentSucceeded],
  failed: [deploymentCreated, deploymentStarted, deploymentFailed],
  rolled_back: [deploymentCreated, deploymentStarted, deploymentSucceeded, deploymentRolledBack],
  cancelled: [deploymentCreated, deploymentUpdated, deploymentCancelled],
};

export const exampleDeploymentCommand: Record<DeploymentCommandType, DeploymentCommand> = {
  CreateDeployment: {
    type: 'CreateDeployment',
    data: {
      deployment_id: DEPLOYMENT_ID,
      account_id: 7,
      site_id: 11,
      sector_id: null,
      version: 3,
      metadata: { commit: 'abc123' },
    },
  },
  UpdateDeployment: { type: 'UpdateDeployment', data: { metadata: { commit: 'def456' } } },
  CancelDeployment: { type: 'CancelDeployment', data: { reason: 'superseded by a newer commit' } },
  StartDeployment: { type: 'StartDeployment', data: {} },
  SucceedDeployment: { type: 'SucceedDeployment', data: { deployment_url: 'https://site-11.example.com' } },
  FailDeployment: { type: 'FailDeployment', data: { error: 'build failed' } },
  RollBackDeployment: { type: 'RollBackDeployment', data: { reason: 'broken header' } },
  RepublishDeployment: {
    type: 'RepublishDeployment',
    data: { replay_id: '7a3f5c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b', reason: 'consumer X lost its offsets' },
  },
};

/** Every command type (column of the transition table), from the examples keyed by the command union. */
export const deploymentCommandTypes = Object.keys(exampleDeploymentCommand) as DeploymentCommandType[];

export const deploymentEventTypeOf: Record<DeploymentCommandType, DeploymentEventType> = {
  CreateDeployment: 'DeploymentCreated',
  UpdateDeployment: 'DeploymentUpdated',
  CancelDeployment: 'DeploymentCancelled',
  StartDeployment: 'DeploymentStarted',
  SucceedDeployment: 'DeploymentSucceeded',
  FailDeployment: 'DeploymentFailed',
  RollBackDeployment: 'DeploymentRolledBack',
  RepublishDeployment: 'DeploymentRepublishRequested',
};
