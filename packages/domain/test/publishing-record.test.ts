import t from 'tap';
import type { DomainValidationError, RecordDeletedError } from '../src/errors.ts';
import type { CreatePublishingRecord, PublishingRecord } from '../src/index.ts';
import { decidePublishingRecord, initialPublishingRecordState } from '../src/index.ts';
import {
  created,
  deleted,
  exampleCommand,
  failed,
  foldPublishingRecord,
  historyFor,
  publishingRecordDecider,
  RECORD_ID,
  started,
  succeeded,
} from './helpers/publishing-record-fixtures.ts';
import { AT, specFor } from './helpers/spec.ts';

const given = specFor(publishingRecordDecider);

t.test('create: a new record is pending with no attempts', async (t) => {
  const { state } = given(t, [])
    .when(exampleCommand.CreatePublishingRecord)
    .then([{ ...created, data: { ...created.data, at: AT } }]);
  t.match(state, {
    status: 'pending',
    id: RECORD_ID,
    account_id: 7,
    site_id: 11,
    sector_id: 13,
    content_id: 42,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/in' },
    metadata: { campaign: 'spring' },
    attempts: 0,
    external_url: null,
    external_id: null,
    error_message: null,
    created_at: AT,
    updated_at: AT,
    published_at: null,
    deleted: false,
    deleted_at: null,
  });
});

t.test('create: unknown fields in the command do not reach the event', async (t) => {
  const { data } = exampleCommand.CreatePublishingRecord as CreatePublishingRecord;
  const command = { type: 'CreatePublishingRecord', data: { ...data, secret: 'hunter2' } } as CreatePublishingRecord;
  const [event] = decidePublishingRecord(command, initialPublishingRecordState, { at: AT });
  t.notOk(event && 'secret' in event.data);
});

t.test('update while pending records only the changed fields', async (t) => {
  const { state } = given(t, [created])
    .when({ type: 'UpdatePublishingRecord', data: { metadata: { campaign: 'summer' } } })
    .then([
      {
        type: 'PublishingRecordUpdated',
        data: { record_id: RECORD_ID, changes: { metadata: { campaign: 'summer' } }, at: AT },
      },
    ]);
  t.match(state, { destination: 'webhook', metadata: { campaign: 'summer' }, updated_at: AT, status: 'pending' });
});

t.test('update with nothing to change is a validation error', async (t) => {
  given(t, [created]).when({ type: 'UpdatePublishingRecord', data: {} }).then('VALIDATION');
});

t.test('start increments attempts on every attempt', async (t) => {
  const first = given(t, [created])
    .when(exampleCommand.StartPublishing)
    .then([{ type: 'PublishingStarted', data: { record_id: RECORD_ID, attempt: 1, at: AT } }]);
  t.equal((first.state as PublishingRecord).attempts, 1);

  const retried = { type: 'PublishingRetried' as const, data: { record_id: RECORD_ID, at: AT } };
  const second = given(t, [created, started, failed, retried])
    .when(exampleCommand.StartPublishing)
    .then([{ type: 'PublishingStarted', data: { record_id: RECORD_ID, attempt: 2, at: AT } }]);
  t.match(second.state, { status: 'publishing', attempts: 2, error_message: 'destination answered 502' });
});

t.test('succeed stores the external url and id and the publish time', async (t) => {
  const { state } = given(t, [created, started])
    .when(exampleCommand.SucceedPublishing)
    .then([
      {
        type: 'PublishingSucceeded',
        data: { record_id: RECORD_ID, external_url: 'https://blog.example.com/p/1', external_id: 'p-1', at: AT },
      },
    ]);
  t.match(state, { status: 'published', external_url: 'https://blog.example.com/p/1', published_at: AT });
});

t.test('succeed without an external id stores null', async (t) => {
  given(t, [created, started])
    .when({ type: 'SucceedPublishing', data: { external_url: 'https://x.example/1' } })
    .then([
      {
        type: 'PublishingSucceeded',
        data: { record_id: RECORD_ID, external_url: 'https://x.example/1', external_id: null, at: AT },
      },
    ]);
});

t.test('a success after a failed attempt clears the last error', async (t) => {
  const state = foldPublishingRecord([
    created,
    started,
    failed,
    { type: 'PublishingRetried', data: { record_id: RECORD_ID, at: AT } },
    { ...started, data: { ...started.data, attempt: 2 } },
    succeeded,
  ]);
  t.match(state, { status: 'published', error_message: null, attempts: 2 });
});

t.test('fail keeps the error message; retry puts the record back to pending', async (t) => {
  const failure = given(t, [created, started])
    .when({ type: 'FailPublishing', data: { error: 'HTTP 500 from destination' } })
    .then([{ type: 'PublishingFailed', data: { record_id: RECORD_ID, error: 'HTTP 500 from destination', at: AT } }]);
  t.match(failure.state, { status: 'failed', error_message: 'HTTP 500 from destination', attempts: 1 });

  const retry = given(t, [created, started, failed])
    .when(exampleCommand.RetryPublishing)
    .then([{ type: 'PublishingRetried', data: { record_id: RECORD_ID, at: AT } }]);
  t.match(retry.state, { status: 'pending', attempts: 1 });
});

t.test('delete is soft and refused while publishing', async (t) => {
  const { state } = given(t, [created, started, succeeded])
    .when(exampleCommand.DeletePublishingRecord)
    .then([{ type: 'PublishingRecordDeleted', data: { record_id: RECORD_ID, at: AT } }]);
  t.match(state, { status: 'published', deleted: true, deleted_at: AT, external_url: 'https://blog.example.com/p/1' });

  const { error } = given(t, [created, started]).when(exampleCommand.DeletePublishingRecord).then('ILLEGAL_TRANSITION');
  t.equal((error as Error).message, 'cannot delete a publishing record that is publishing');
});

t.test('a deleted record refuses every command, naming the record', async (t) => {
  for (const history of [
    [created, deleted],
    [created, started, succeeded, deleted],
  ]) {
    const { error } = given(t, history).when(exampleCommand.RetryPublishing).then('RECORD_DELETED');
    t.equal((error as RecordDeletedError).id, RECORD_ID);
    t.equal((error as Error).message, 'cannot retry a publishing record that was deleted');
  }
});

t.test('semantic nonsense is rejected with field errors', async (t) => {
  const cases = [
    { history: [created, started], command: { type: 'FailPublishing', data: { error: '  ' } }, field: 'error' },
    {
      history: [created, started],
      command: { type: 'SucceedPublishing', data: { external_url: '' } },
      field: 'external_url',
    },
    {
      history: [created, started],
      command: { type: 'SucceedPublishing', data: { external_url: 'https://x', external_id: '' } },
      field: 'external_id',
    },
    {
      history: [created],
      command: { type: 'UpdatePublishingRecord', data: { destination: '' } },
      field: 'destination',
    },
    {
      history: [],
      command: {
        type: 'CreatePublishingRecord',
        data: { ...exampleCommand.CreatePublishingRecord.data, content_id: 0 },
      },
      field: 'content_id',
    },
    {
      history: [],
      command: {
        type: 'CreatePublishingRecord',
        data: { ...exampleCommand.CreatePublishingRecord.data, destination_config: [] },
      },
      field: 'destination_config',
    },
  ] as const;
  for (const { history, command, field } of cases) {
    const { error } = given(t, [...history])
      .when(command as never)
      .then('VALIDATION');
    t.ok((error as DomainValidationError).errors[field], `names ${field}`);
  }
});

t.test('deciding is deterministic and leaves the given state untouched', async (t) => {
  const state = foldPublishingRecord(historyFor.publishing);
  const before = structuredClone(state);
  const a = decidePublishingRecord(exampleCommand.SucceedPublishing, state, { at: AT });
  const b = decidePublishingRecord(exampleCommand.SucceedPublishing, state, { at: AT });
  t.same(a, b);
  t.same(state, before);
});
