/**
 * Every reader of a stream folds the same record: the projector's rows, history and as-of reads,
 * and the command API's GET all go through the domain's aggregate, which keeps ids and times in one
 * form. A stream written in another form (an upper-case id, a time with an offset) shows alike in all.
 */
import { randomUUID } from 'node:crypto';
import { type PublishingRecordState, publishingRecordAggregate } from '@publisher/domain';
import type { EventStore } from '@publisher/event-store';
import t from 'tap';
import { readAggregate } from '../services/command-api/src/handlers/read-aggregate.ts';
import { StateCache } from '../services/command-api/src/handlers/state-cache.ts';
import { foldBatch, planBatch } from '../services/projector/src/projections/batch.ts';
import { recordStream } from '../services/projector/test/events.ts';
import { publishingRecordHistory } from '../services/read-api/src/history/aggregates.ts';
import { foldUntil } from '../services/read-api/src/history/replay.ts';

const id = randomUUID();
const ID = id.toUpperCase();
const records = recordStream(id);
const events = [
  records.created({ record_id: ID, at: '2024-05-01T02:00:00+02:00' }),
  records.next('PublishingStarted', { record_id: ID, attempt: 1, at: '2024-05-01T00:00:01Z' }),
  records.next('PublishingSucceeded', {
    record_id: ID,
    external_url: 'https://example.test/p/1',
    external_id: null,
    at: '2024-05-01T03:00:02.5+03:00',
  }),
];

t.test('the projector, history and as-of reads, and the command API fold one representation', async (t) => {
  const expected = {
    id,
    status: 'published',
    revision: 2,
    created_at: '2024-05-01T00:00:00.000Z',
    updated_at: '2024-05-01T00:00:02.500Z',
    published_at: '2024-05-01T00:00:02.500Z',
  };

  const projected = foldBatch(planBatch(events, new Set()), { records: new Map(), deployments: new Map() });
  const row = projected.records.get(id);
  if (row === undefined) throw new Error('the projector wrote no row');
  const { deleted: _deleted, last_position: _position, document, ...fromProjector } = row;
  t.match(fromProjector, expected);

  const asOf = foldUntil(publishingRecordHistory, { events, shared: false }, null);
  t.same(asOf?.state, fromProjector, 'history and as-of reads fold what the projector stores');

  const store: Pick<EventStore, 'readStream'> = { readStream: async () => events };
  const cache = new StateCache<PublishingRecordState>({ maxEntries: 0, maxBytes: 0 });
  const found = await readAggregate({ store, cache }, publishingRecordAggregate, id);
  if (found === null) throw new Error('the command API found no record');
  t.same(publishingRecordAggregate.represent(found.record, found.revision), fromProjector, 'the command API too');
  t.equal(document, JSON.stringify(fromProjector), 'and the stored document is that representation');
});
