import t from 'tap';
import { isActiveDeploymentStatus } from '../src/deployment/state.ts';
import type { DomainValidationError } from '../src/errors.ts';
import type { DeploymentStatus } from '../src/index.ts';
import { decideDeployment } from '../src/index.ts';
import {
  DEPLOYMENT_ID,
  deploymentCancelled,
  deploymentCreated,
  deploymentDecider,
  deploymentHistoryFor,
  deploymentStarted,
  deploymentSucceeded,
  deploymentUpdated,
  exampleDeploymentCommand,
  foldDeployment,
} from './helpers/deployment-fixtures.ts';
import { AT, specFor } from './helpers/spec.ts';

const given = specFor(deploymentDecider);

t.test('create: a new deployment is pending with its version', async (t) => {
  const { state } = given(t, [])
    .when(exampleDeploymentCommand.CreateDeployment)
    .then([{ ...deploymentCreated, data: { ...deploymentCreated.data, at: AT } }]);
  t.same(state, {
    status: 'pending',
    id: DEPLOYMENT_ID,
    account_id: 7,
    site_id: 11,
    sector_id: null,
    version: 3,
    deployment_url: null,
    error_message: null,
    metadata: { commit: 'abc123' },
    created_at: AT,
    updated_at: AT,
    deployed_at: null,
    rolled_back_at: null,
  });
});

t.test('start, then succeed stores the url and the deploy time', async (t) => {
  const startedState = given(t, [deploymentCreated])
    .when(exampleDeploymentCommand.StartDeployment)
    .then([{ type: 'DeploymentStarted', data: { deployment_id: DEPLOYMENT_ID, at: AT } }]).state;
  t.match(startedState, { status: 'deploying', updated_at: AT, deployed_at: null });

  const { state } = given(t, [deploymentCreated, deploymentStarted])
    .when({ type: 'SucceedDeployment', data: { deployment_url: 'https://v3.site.example' } })
    .then([
      {
        type: 'DeploymentSucceeded',
        data: { deployment_id: DEPLOYMENT_ID, deployment_url: 'https://v3.site.example', at: AT },
      },
    ]);
  t.match(state, { status: 'deployed', deployment_url: 'https://v3.site.example', deployed_at: AT });
});

t.test('fail stores the error', async (t) => {
  const { state } = given(t, [deploymentCreated, deploymentStarted])
    .when({ type: 'FailDeployment', data: { error: 'npm ci exited 1' } })
    .then([{ type: 'DeploymentFailed', data: { deployment_id: DEPLOYMENT_ID, error: 'npm ci exited 1', at: AT } }]);
  t.match(state, { status: 'failed', error_message: 'npm ci exited 1', deployed_at: null });
});

t.test('roll back with and without a reason', async (t) => {
  const history = [deploymentCreated, deploymentStarted, deploymentSucceeded];
  const { state } = given(t, history)
    .when({ type: 'RollBackDeployment', data: { reason: 'broken header' } })
    .then([{ type: 'DeploymentRolledBack', data: { deployment_id: DEPLOYMENT_ID, reason: 'broken header', at: AT } }]);
  t.match(state, { status: 'rolled_back', rolled_back_at: AT, deployment_url: 'https://site-11.example.com' });

  given(t, history)
    .when({ type: 'RollBackDeployment', data: {} })
    .then([{ type: 'DeploymentRolledBack', data: { deployment_id: DEPLOYMENT_ID, reason: null, at: AT } }]);

  // Refusals name the client's action and the status in plain words.
  const { error } = given(t, [deploymentCreated])
    .when({ type: 'RollBackDeployment', data: {} })
    .then('ILLEGAL_TRANSITION');
  t.equal((error as Error).message, 'cannot roll back a deployment that is pending');
});

t.test('update while pending replaces the metadata and nothing else', async (t) => {
  const { state } = given(t, [deploymentCreated])
    .when({ type: 'UpdateDeployment', data: { metadata: { commit: 'def456', pr: 12 } } })
    .then([
      {
        type: 'DeploymentUpdated',
        data: { deployment_id: DEPLOYMENT_ID, changes: { metadata: { commit: 'def456', pr: 12 } }, at: AT },
      },
    ]);
  t.same(state, {
    ...foldDeployment([deploymentCreated]),
    metadata: { commit: 'def456', pr: 12 },
    updated_at: AT,
  });
});

t.test('update: fields beyond metadata do not reach the event', async (t) => {
  const command = { type: 'UpdateDeployment', data: { metadata: {}, version: 1, status: 'deployed' } } as never;
  const [event] = decideDeployment(command, foldDeployment([deploymentCreated]), { at: AT });
  t.same(event?.data, { deployment_id: DEPLOYMENT_ID, changes: { metadata: {} }, at: AT });
});

t.test('update is refused once the deployment has started or ended', async (t) => {
  for (const history of [
    deploymentHistoryFor.deploying,
    deploymentHistoryFor.deployed,
    deploymentHistoryFor.cancelled,
  ]) {
    given(t, history).when(exampleDeploymentCommand.UpdateDeployment).then('ILLEGAL_TRANSITION');
  }
});

t.test('cancel while pending, with and without a reason; the version stays', async (t) => {
  const { state } = given(t, [deploymentCreated, deploymentUpdated])
    .when({ type: 'CancelDeployment', data: { reason: 'superseded' } })
    .then([{ type: 'DeploymentCancelled', data: { deployment_id: DEPLOYMENT_ID, reason: 'superseded', at: AT } }]);
  t.same(state, {
    ...foldDeployment([deploymentCreated, deploymentUpdated]),
    status: 'cancelled',
    updated_at: AT,
  });
  t.match(state, { version: 3, deployed_at: null, rolled_back_at: null, error_message: null });

  given(t, [deploymentCreated])
    .when({ type: 'CancelDeployment', data: {} })
    .then([{ type: 'DeploymentCancelled', data: { deployment_id: DEPLOYMENT_ID, reason: null, at: AT } }]);
});

t.test('a cancelled deployment accepts nothing more, and cancel needs a pending one', async (t) => {
  for (const command of ['StartDeployment', 'CancelDeployment', 'FailDeployment', 'UpdateDeployment'] as const) {
    given(t, [deploymentCreated, deploymentCancelled])
      .when(exampleDeploymentCommand[command])
      .then('ILLEGAL_TRANSITION');
  }
  const late = given(t, deploymentHistoryFor.deploying)
    .when(exampleDeploymentCommand.CancelDeployment)
    .then('ILLEGAL_TRANSITION');
  t.equal((late.error as Error).message, 'cannot cancel a deployment that is deploying');
  const missing = given(t, []).when(exampleDeploymentCommand.CancelDeployment).then('RECORD_NOT_FOUND');
  t.equal((missing.error as Error).message, 'cannot cancel a deployment that does not exist');
});

t.test('semantic nonsense is rejected with field errors', async (t) => {
  const cases = [
    {
      history: deploymentHistoryFor.deploying,
      command: { type: 'FailDeployment', data: { error: '' } },
      field: 'error',
    },
    {
      history: deploymentHistoryFor.deploying,
      command: { type: 'SucceedDeployment', data: { deployment_url: ' ' } },
      field: 'deployment_url',
    },
    {
      history: deploymentHistoryFor.deployed,
      command: { type: 'RollBackDeployment', data: { reason: '' } },
      field: 'reason',
    },
    {
      history: deploymentHistoryFor.pending,
      command: { type: 'CancelDeployment', data: { reason: ' ' } },
      field: 'reason',
    },
    {
      history: deploymentHistoryFor.pending,
      command: { type: 'UpdateDeployment', data: { metadata: ['not', 'an', 'object'] } },
      field: 'metadata',
    },
    {
      history: [],
      command: { type: 'CreateDeployment', data: { ...exampleDeploymentCommand.CreateDeployment.data, version: 0 } },
      field: 'version',
    },
    {
      history: [],
      command: { type: 'CreateDeployment', data: { ...exampleDeploymentCommand.CreateDeployment.data, sector_id: -1 } },
      field: 'sector_id',
    },
  ] as const;
  for (const { history, command, field } of cases) {
    const { error } = given(t, [...history])
      .when(command as never)
      .then('VALIDATION');
    t.ok((error as DomainValidationError).errors[field], `names ${field}`);
  }
});

t.test('only pending and deploying hold the active slot', async (t) => {
  const statuses: Record<DeploymentStatus, boolean> = {
    pending: true,
    deploying: true,
    deployed: false,
    failed: false,
    rolled_back: false,
    cancelled: false,
  };
  for (const [status, active] of Object.entries(statuses)) {
    t.equal(isActiveDeploymentStatus(status as DeploymentStatus), active, status);
  }
});

t.test('deciding is deterministic and leaves the given state untouched', async (t) => {
  const state = foldDeployment(deploymentHistoryFor.deploying);
  const before = structuredClone(state);
  const a = decideDeployment(exampleDeploymentCommand.FailDeployment, state, { at: AT });
  t.same(a, decideDeployment(exampleDeploymentCommand.FailDeployment, state, { at: AT }));
  t.same(state, before);
});
