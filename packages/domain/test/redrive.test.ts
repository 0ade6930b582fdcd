import t from 'tap';
import type { DomainValidationError, IllegalTransitionError } from '../src/errors.ts';
import type { DeploymentEvent, PublishingRecordEvent, PublishingRecordPhase } from '../src/index.ts';
import { republishRequestEventTypes } from '../src/index.ts';
import {
  DEPLOYMENT_ID,
  deploymentDecider,
  deploymentHistoryFor,
  foldDeployment,
} from './helpers/deployment-fixtures.ts';
import {
  foldPublishingRecord,
  historyFor,
  publishingRecordDecider,
  publishingRecordPhases,
  RECORD_ID,
} from './helpers/publishing-record-fixtures.ts';
import { AT, specFor } from './helpers/spec.ts';

const givenRecord = specFor(publishingRecordDecider);
const givenDeployment = specFor(deploymentDecider);
const REPLAY_ID = '3d9f0c4a-6b1e-4a7d-9c2b-5e8f1a0b3c4d';

t.test('republish records who asked and why, and changes no field of the record', async (t) => {
  for (const phase of publishingRecordPhases.filter((p) => p !== 'initial')) {
    const history = historyFor[phase];
    const before = foldPublishingRecord(history);
    const { state } = givenRecord(t, history)
      .when({ type: 'RepublishPublishingRecord', data: { replay_id: REPLAY_ID, reason: 'consumer lost offsets' } })
      .then([
        {
          type: 'PublishingRecordRepublishRequested',
          data: { record_id: RECORD_ID, replay_id: REPLAY_ID, reason: 'consumer lost offsets', at: AT },
        },
      ]);
    t.same(state, before, `${phase}: the record is exactly as before (updated_at too)`);
  }
});

t.test('redeliver puts a failed record back to pending, keeping attempts and the last error', async (t) => {
  const { state } = givenRecord(t, historyFor.failed)
    .when({ type: 'RedeliverPublishingRecord', data: { reason: 'destination fixed, ticket 42' } })
    .then([
      {
        type: 'PublishingRedeliveryRequested',
        data: { record_id: RECORD_ID, reason: 'destination fixed, ticket 42', at: AT },
      },
    ]);
  t.match(state, { status: 'pending', attempts: 1, error_message: 'destination answered 502', updated_at: AT });
});

t.test('redeliver is refused unless the record failed, naming the status', async (t) => {
  const refused: PublishingRecordPhase[] = ['pending', 'publishing', 'published'];
  for (const phase of refused) {
    const { error } = givenRecord(t, historyFor[phase])
      .when({ type: 'RedeliverPublishingRecord', data: { reason: 'x' } })
      .then('ILLEGAL_TRANSITION');
    t.equal((error as IllegalTransitionError).state, phase);
    t.match((error as Error).message, `cannot redeliver a publishing record that is ${phase}`);
  }
  givenRecord(t, historyFor.deleted)
    .when({ type: 'RedeliverPublishingRecord', data: { reason: 'x' } })
    .then('RECORD_DELETED');
  givenRecord(t, [])
    .when({ type: 'RedeliverPublishingRecord', data: { reason: 'x' } })
    .then('RECORD_NOT_FOUND');
});

t.test('a re-drive needs a reason, and a republish a UUID replay id', async (t) => {
  const cases = [
    { command: { type: 'RedeliverPublishingRecord', data: { reason: ' ' } }, fields: ['reason'] },
    { command: { type: 'RedeliverPublishingRecord', data: { reason: '\u200b' } }, fields: ['reason'] },
    {
      command: { type: 'RepublishPublishingRecord', data: { replay_id: 'r-1', reason: '' } },
      fields: ['reason', 'replay_id'],
    },
  ] as const;
  for (const { command, fields } of cases) {
    const { error } = givenRecord(t, historyFor.failed)
      .when(command as never)
      .then('VALIDATION');
    t.same(Object.keys((error as DomainValidationError).errors).sort(), fields);
  }
  const { error } = givenDeployment(t, deploymentHistoryFor.deployed)
    .when({ type: 'RepublishDeployment', data: { replay_id: REPLAY_ID, reason: '' } })
    .then('VALIDATION');
  t.ok((error as DomainValidationError).errors.reason);
});

t.test('a deployment republish changes nothing, in every status', async (t) => {
  for (const [phase, history] of Object.entries(deploymentHistoryFor)) {
    if (phase === 'initial') continue;
    const { state } = givenDeployment(t, history)
      .when({ type: 'RepublishDeployment', data: { replay_id: REPLAY_ID, reason: 'why' } })
      .then([
        {
          type: 'DeploymentRepublishRequested',
          data: { deployment_id: DEPLOYMENT_ID, replay_id: REPLAY_ID, reason: 'why', at: AT },
        },
      ]);
    t.same(state, foldDeployment(history), phase);
  }
  givenDeployment(t, [])
    .when({ type: 'RepublishDeployment', data: { replay_id: REPLAY_ID, reason: 'why' } })
    .then('RECORD_NOT_FOUND');
});

t.test('republish requests are the event types a replay never re-sends', async (t) => {
  const types: Array<PublishingRecordEvent['type'] | DeploymentEvent['type']> = [
    'PublishingRecordRepublishRequested',
    'DeploymentRepublishRequested',
  ];
  t.same([...republishRequestEventTypes].sort(), types.sort());
  t.notOk(republishRequestEventTypes.has('PublishingRedeliveryRequested'), 'a redelivery is published (as retried)');
});
