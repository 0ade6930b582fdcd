import t from 'tap';
import { isDeploymentEvent, isPublishingRecordEvent, isSiteDeploymentsEvent } from '../src/index.ts';
import { deploymentEventTypeOf } from './helpers/deployment-fixtures.ts';
import { eventTypeOf } from './helpers/publishing-record-fixtures.ts';

t.test('every event type a publishing-record command produces is known to its evolve, and only those', async (t) => {
  for (const type of Object.values(eventTypeOf)) {
    t.ok(isPublishingRecordEvent({ type }), `${type} is a publishing-record event`);
    t.notOk(isDeploymentEvent({ type }), `${type} is not a deployment event`);
  }
});

t.test('every event type a deployment command produces is known to its evolve, and only those', async (t) => {
  for (const type of Object.values(deploymentEventTypeOf)) {
    t.ok(isDeploymentEvent({ type }), `${type} is a deployment event`);
    t.notOk(isPublishingRecordEvent({ type }), `${type} is not a publishing-record event`);
  }
});

t.test('types written by a newer version, the ledger, or inherited names are unknown', async (t) => {
  for (const type of ['PublishingRecordRepublished', 'DeploymentVersionReserved', 'toString', 'constructor', '']) {
    t.notOk(isPublishingRecordEvent({ type }), `${JSON.stringify(type)} is not a publishing-record event`);
    t.notOk(isDeploymentEvent({ type }), `${JSON.stringify(type)} is not a deployment event`);
  }
});

t.test('the ledger knows its reservation and nothing else', async (t) => {
  t.ok(isSiteDeploymentsEvent({ type: 'DeploymentVersionReserved' }));
  for (const type of ['DeploymentCreated', 'PublishingRecordCreated', 'toString', '']) {
    t.notOk(isSiteDeploymentsEvent({ type }), `${JSON.stringify(type)} is not a ledger event`);
  }
});
