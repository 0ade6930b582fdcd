import t from 'tap';
import {
  type DeploymentEvent,
  deploymentAggregate,
  type PublishingRecordEvent,
  publishingRecordAggregate,
} from '../src/index.ts';
import { DEPLOYMENT_ID, deploymentCreated } from './helpers/deployment-fixtures.ts';
import { created, RECORD_ID, succeeded } from './helpers/publishing-record-fixtures.ts';

const fold = <S extends { status: string }, E>(a: { initial: S; evolve: (s: S, e: E) => S }, events: E[]): S =>
  events.reduce(a.evolve, a.initial);

t.test('a record keeps its id in lower case and its times in UTC with milliseconds, whatever was stored', async (t) => {
  const events: PublishingRecordEvent[] = [
    { ...created, data: { ...created.data, record_id: RECORD_ID.toUpperCase(), at: '2024-05-01T11:00:00+02:00' } },
    { ...succeeded, data: { ...succeeded.data, at: '2024-05-01T09:02:00Z' } },
  ];
  t.match(fold(publishingRecordAggregate, events), {
    id: RECORD_ID,
    created_at: '2024-05-01T09:00:00.000Z',
    published_at: '2024-05-01T09:02:00.000Z',
    updated_at: '2024-05-01T09:02:00.000Z',
  });
});

t.test('a deployment likewise', async (t) => {
  const events: DeploymentEvent[] = [
    {
      ...deploymentCreated,
      data: { ...deploymentCreated.data, deployment_id: DEPLOYMENT_ID.toUpperCase(), at: '2024-05-01T04:00:00-05:00' },
    },
    { type: 'DeploymentStarted', data: { deployment_id: DEPLOYMENT_ID, at: '2024-05-01T09:01:00.5Z' } },
  ];
  t.match(fold(deploymentAggregate, events), {
    id: DEPLOYMENT_ID,
    created_at: '2024-05-01T09:00:00.000Z',
    updated_at: '2024-05-01T09:01:00.500Z',
  });
});

t.test('a time no Date reads is kept as it is: evolve never throws', async (t) => {
  const state = fold(publishingRecordAggregate, [
    { ...created, data: { ...created.data, at: '2024-05-01T23:59:60Z' } },
  ]);
  t.match(state, { created_at: '2024-05-01T23:59:60Z' });
});
