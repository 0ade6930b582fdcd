import type { DecideContext } from '../decide-context.ts';
import { assertNever, FieldChecks } from '../validation.ts';
import type { DeploymentCommand } from './commands.ts';
import type { DeploymentEvent } from './events.ts';
import type { Deployment, DeploymentState } from './state.ts';
import { assertDeploymentTransition } from './transitions.ts';

/**
 * Decides the events a deployment command produces, or throws a domain error
 * (VALIDATION, RECORD_NOT_FOUND, RECORD_ALREADY_EXISTS, ILLEGAL_TRANSITION).
 * Creating through the site's ledger (`decideReserveDeployment` + `deploymentCreatedFromReservation`)
 * is how the API creates deployments; `CreateDeployment` is the same event for a known version.
 * @example
 * decideDeployment({ type: 'SucceedDeployment', data: { deployment_url: 'https://x' } }, deploying, { at })
 * // [{ type: 'DeploymentSucceeded', data: { deployment_id, deployment_url: 'https://x', at } }]
 */
export function decideDeployment(
  command: DeploymentCommand,
  state: DeploymentState,
  context: DecideContext,
): DeploymentEvent[] {
  validate(command);
  assertDeploymentTransition(state.status, command.type, state.status === 'initial' ? null : state.id);
  const { at } = context;

  if (command.type === 'CreateDeployment') {
    // Field by field, so nothing beyond the declared shape reaches the stored event.
    const d = command.data;
    return [
      {
        type: 'DeploymentCreated',
        data: {
          deployment_id: d.deployment_id,
          account_id: d.account_id,
          site_id: d.site_id,
          sector_id: d.sector_id,
          version: d.version,
          metadata: d.metadata,
          at,
        },
      },
    ];
  }
  // The table refuses every non-create command in the initial phase, so a deployment exists here.
  const deployment_id = (state as Deployment).id;
  switch (command.type) {
    case 'UpdateDeployment':
      // Field by field, as for the create: the event records exactly the declared change.
      return [{ type: 'DeploymentUpdated', data: { deployment_id, changes: { metadata: command.data.metadata }, at } }];
    case 'CancelDeployment':
      return [{ type: 'DeploymentCancelled', data: { deployment_id, reason: command.data.reason ?? null, at } }];
    case 'StartDeployment':
      return [{ type: 'DeploymentStarted', data: { deployment_id, at } }];
    case 'SucceedDeployment':
      return [
        { type: 'DeploymentSucceeded', data: { deployment_id, deployment_url: command.data.deployment_url, at } },
      ];
    case 'FailDeployment':
      return [{ type: 'DeploymentFailed', data: { deployment_id, error: command.data.error, at } }];
    case 'RollBackDeployment':
      return [{ type: 'DeploymentRolledBack', data: { deployment_id, reason: command.data.reason ?? null, at } }];
    case 'RepublishDeployment':
      return [
        {
          type: 'DeploymentRepublishRequested',
          data: { deployment_id, replay_id: command.data.replay_id, reason: command.data.reason, at },
        },
      ];
    default:
      return assertNever(command, 'deployment command');
  }
}

function validate(command: DeploymentCommand): void {
  const checks = new FieldChecks();
  switch (command.type) {
    case 'CreateDeployment': {
      const d = command.data;
      checks.nonEmpty('deployment_id', d.deployment_id);
      checks.positiveInteger('account_id', d.account_id);
      checks.positiveInteger('site_id', d.site_id);
      if (d.sector_id !== null) checks.positiveInteger('sector_id', d.sector_id);
      checks.positiveInteger('version', d.version);
      checks.plainObject('metadata', d.metadata);
      break;
    }
    case 'SucceedDeployment':
      checks.nonEmpty('deployment_url', command.data.deployment_url);
      break;
    case 'FailDeployment':
      checks.nonEmpty('error', command.data.error);
      break;
    case 'UpdateDeployment':
      checks.plainObject('metadata', command.data.metadata);
      break;
    case 'RollBackDeployment':
    case 'CancelDeployment':
      if (typeof command.data.reason === 'string') checks.reason('reason', command.data.reason);
      break;
    case 'RepublishDeployment':
      checks.uuid('replay_id', command.data.replay_id);
      checks.reason('reason', command.data.reason);
      break;
    case 'StartDeployment':
      break;
    default:
      assertNever(command, 'deployment command');
  }
  checks.throwIfAny();
}
