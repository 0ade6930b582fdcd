import t from 'tap';
import { deploymentTransitions } from '../src/deployment/transitions.ts';
import type { IllegalTransitionError } from '../src/errors.ts';
import type { DeploymentPhase } from '../src/index.ts';
import {
  deploymentCommandTypes,
  deploymentDecider,
  deploymentEventTypeOf,
  deploymentHistoryFor,
  deploymentPhases,
  exampleDeploymentCommand,
  foldDeployment,
} from './helpers/deployment-fixtures.ts';
import { specFor } from './helpers/spec.ts';

const given = specFor(deploymentDecider);

t.test(
  'the exported table is exactly the designed lifecycle plus update, cancel and fail while pending, and republish',
  async (t) => {
    const allowed = deploymentPhases.flatMap((phase) =>
      Object.entries(deploymentTransitions[phase]).map(([command, next]) => `${phase} --${command}--> ${next}`),
    );
    t.same(allowed.sort(), [
      'cancelled --RepublishDeployment--> cancelled',
      'deployed --RepublishDeployment--> deployed',
      'deployed --RollBackDeployment--> rolled_back',
      'deploying --FailDeployment--> failed',
      'deploying --RepublishDeployment--> deploying',
      'deploying --SucceedDeployment--> deployed',
      'failed --RepublishDeployment--> failed',
      'initial --CreateDeployment--> pending',
      'pending --CancelDeployment--> cancelled',
      'pending --FailDeployment--> failed',
      'pending --RepublishDeployment--> pending',
      'pending --StartDeployment--> deploying',
      'pending --UpdateDeployment--> pending',
      'rolled_back --RepublishDeployment--> rolled_back',
    ]);
    t.same(
      [...deploymentPhases],
      ['initial', 'pending', 'deploying', 'deployed', 'failed', 'rolled_back', 'cancelled'],
    );
    t.equal(deploymentCommandTypes.length, 8);
  },
);

t.test('fixtures put the deployment in the status they are named after', async (t) => {
  for (const phase of deploymentPhases) t.equal(foldDeployment(deploymentHistoryFor[phase]).status, phase, phase);
});

// Every (status, command) pair, derived from the exported lists.
for (const phase of deploymentPhases) {
  for (const commandType of deploymentCommandTypes) {
    const next: DeploymentPhase | undefined = deploymentTransitions[phase][commandType];
    t.test(`${phase} × ${commandType} → ${next ?? 'refused'}`, async (t) => {
      const spec = given(t, deploymentHistoryFor[phase]).when(exampleDeploymentCommand[commandType]);
      if (next !== undefined) {
        const state = spec.thenEventTypes([deploymentEventTypeOf[commandType]]);
        t.equal(state.status, next, `lands in ${next}`);
        return;
      }
      const expected =
        phase === 'initial'
          ? 'RECORD_NOT_FOUND'
          : commandType === 'CreateDeployment'
            ? 'RECORD_ALREADY_EXISTS'
            : 'ILLEGAL_TRANSITION';
      const { error } = spec.then(expected);
      if (expected === 'ILLEGAL_TRANSITION') {
        const err = error as IllegalTransitionError;
        t.equal(err.state, phase, 'names the current state');
        t.equal(err.command, commandType, 'names the command');
        t.equal(err.aggregate, 'deployment');
      }
      // Clients read the message: what they asked and why not in plain words, never a command type.
      const { message } = error as Error;
      t.notMatch(message, commandType, 'no command type');
      if (expected === 'RECORD_ALREADY_EXISTS') t.match(message, /^a deployment with id \S+ already exists$/);
      else t.match(message, /^cannot [a-z ]+ a deployment that /);
      if (expected === 'ILLEGAL_TRANSITION') {
        t.match(message, phase === 'failed' ? 'that has failed' : `that is ${phase.replaceAll('_', ' ')}`);
      }
    });
  }
}
