import t from 'tap';
import { UnknownEventError } from '../src/fold.ts';
import {
  deploymentAggregate,
  evolvePublishingRecord,
  evolveRecord,
  foldRecord,
  initialPublishingRecordState,
  isDomainError,
  publishingRecordAggregate,
} from '../src/index.ts';
import { deploymentCreated, deploymentStarted, foldDeployment } from './helpers/deployment-fixtures.ts';
import { created, foldPublishingRecord, started, succeeded } from './helpers/publishing-record-fixtures.ts';

// A type a newer version writes, as a stored event carries it (with its stream).
const newer = { type: 'PublishingRecordArchived', data: {}, stream: 'publishing_record-abc' };

t.test('known events fold exactly as the domain evolve folds them', async (t) => {
  t.same(
    foldRecord(publishingRecordAggregate, [created, started, succeeded], 'throw'),
    foldPublishingRecord([created, started, succeeded]),
  );
  t.same(
    foldRecord(deploymentAggregate, [deploymentCreated, deploymentStarted], 'skip'),
    foldDeployment([deploymentCreated, deploymentStarted]),
  );
  t.equal(
    foldRecord(publishingRecordAggregate, [], 'throw'),
    initialPublishingRecordState,
    'no events: the initial state',
  );
});

t.test('skip: an unknown type leaves the state as it is, and the fold goes on', async (t) => {
  const state = foldRecord(publishingRecordAggregate, [created, newer, started], 'skip');
  t.same(state, foldPublishingRecord([created, started]));
  const before = evolvePublishingRecord(initialPublishingRecordState, created);
  t.equal(evolveRecord(publishingRecordAggregate, before, newer, 'skip'), before, 'the very same state');
});

t.test('throw: an unknown type stops the fold with an UnknownEventError, not a domain error', async (t) => {
  for (const fold of [
    () => foldRecord(publishingRecordAggregate, [created, newer, started], 'throw'),
    () => evolveRecord(publishingRecordAggregate, initialPublishingRecordState, newer, 'throw'),
  ]) {
    const err = t.throws(fold, UnknownEventError) as unknown as UnknownEventError;
    t.equal(err.type, 'PublishingRecordArchived');
    t.equal(err.stream, 'publishing_record-abc');
    t.match(
      err.message,
      /^publishing record stream publishing_record-abc holds an event of type "PublishingRecordArchived"/,
    );
    // A domain error would answer 4xx; a stream the server cannot read is a 500.
    t.notOk(isDomainError(err));
    t.notOk('code' in err, 'no code: the error handler answers 500');
  }
});

t.test('a type of the other record kind is unknown to this one', async (t) => {
  t.throws(() => foldRecord(deploymentAggregate, [created], 'throw'), UnknownEventError);
  t.equal(foldRecord(deploymentAggregate, [created], 'skip'), deploymentAggregate.initial);
});

t.test('inherited property names are not event types', async (t) => {
  t.throws(() => foldRecord(publishingRecordAggregate, [{ type: 'toString' }], 'throw'), /toString/);
});
