import t from 'tap';
import type { DeploymentStatus, DomainValidationError } from '../src/index.ts';
import { decideDeployment, foldDeployment, isActiveDeploymentStatus } from '../src/index.ts';
import {
  DEPLOYMENT_ID,
  deploymentCreated,
  deploymentDecider,
  deploymentHistoryFor,
  deploymentStarted,
  deploymentSucceeded,
  exampleDeploymentCommand,
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
