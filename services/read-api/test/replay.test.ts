/**
 * The one fold behind history, as-of and snapshots (pure: no I/O): what it answers, and that events
 * the stream reader hands out again are not folded again.
 */
import { randomUUID } from 'node:crypto';
import type { PublishingRecordRepresentation } from '@publisher/contracts';
import type { RecordedEvent } from '@publisher/event-store';
import t from 'tap';
import { type HistoryAggregate, publishingRecordHistory } from '../src/history/aggregates.ts';
import { foldUntil, replay } from '../src/history/replay.ts';

const id = randomUUID();
const at = (n: number) => new Date(Date.UTC(2024, 4, 1) + n * 60_000).toISOString();

function recorded(n: number, type: string, data: Record<string, unknown>): RecordedEvent {
  return {
    id: randomUUID(),
    stream: `publishing_record-${id}`,
    revision: n,
    position: `0000000000000001-${n.toString(16).padStart(16, '0')}`,
    type,
    data: { record_id: id, ...data, at: at(n) },
    metadata: {
      correlation_id: 'c',
      causation_id: null,
      actor: { user_id: 'u', role: 'editor' },
      tenant: { account_id: 1, site_id: 100, sector_id: 1 },
      request_id: null,
      occurred_at: at(n),
      schema_version: 1,
    },
    recorded_at: new Date(at(n)),
  } as RecordedEvent;
}

const events = [
  recorded(0, 'PublishingRecordCreated', {
    account_id: 1,
    site_id: 100,
    sector_id: 1,
    content_id: 7,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/x' },
    metadata: { title: 'v0' },
  }),
  recorded(1, 'PublishingRecordUpdated', { changes: { metadata: { title: 'v1' } } }),
  recorded(2, 'PublishingStarted', { attempt: 1 }),
  recorded(3, 'PublishingFailed', { error: 'upstream timed out' }),
];

/** The publishing-record fold, counting the events it evolves. */
function counting(): { aggregate: HistoryAggregate<never, PublishingRecordRepresentation>; evolved: () => number } {
  let evolved = 0;
  const aggregate = {
    ...publishingRecordHistory,
    evolve: (state: Parameters<typeof publishingRecordHistory.evolve>[0], event: RecordedEvent) => {
      evolved++;
      return publishingRecordHistory.evolve(state, event);
    },
  } as unknown as HistoryAggregate<never, PublishingRecordRepresentation>;
  return { aggregate, evolved: () => evolved };
}

t.test('history steps: the record after each event and the fields it changed', async (t) => {
  const steps = [...replay(publishingRecordHistory, { events: events, shared: false })];
  t.same(
    steps.map((s) => [s.event.revision, s.state?.status, s.changes]),
    [
      [
        0,
        'pending',
        {
          id: [null, id],
          account_id: [null, 1],
          site_id: [null, 100],
          sector_id: [null, 1],
          content_id: [null, 7],
          destination: [null, 'webhook'],
          destination_config: [null, { url: 'https://hooks.example.com/x' }],
          status: [null, 'pending'],
          attempts: [null, 0],
          metadata: [null, { title: 'v0' }],
          created_at: [null, at(0)],
          updated_at: [null, at(0)],
        },
      ],
      [1, 'pending', { metadata: [{ title: 'v0' }, { title: 'v1' }], updated_at: [at(0), at(1)] }],
      [2, 'publishing', { status: ['pending', 'publishing'], attempts: [0, 1], updated_at: [at(1), at(2)] }],
      [
        3,
        'failed',
        { status: ['publishing', 'failed'], error_message: [null, 'upstream timed out'], updated_at: [at(2), at(3)] },
      ],
    ],
  );
  t.same(
    [...replay(publishingRecordHistory, { events: events, shared: false }, 2)].map((s) => s.event.revision),
    [2, 3],
    'from a revision on',
  );
});

t.test('as of a time: the events that occurred by then', async (t) => {
  t.equal(foldUntil(publishingRecordHistory, { events: events, shared: false }, at(2))?.state?.status, 'publishing');
  t.equal(foldUntil(publishingRecordHistory, { events: events, shared: false }, at(2))?.event.revision, 2);
  t.equal(
    foldUntil(publishingRecordHistory, { events: events, shared: false }, null)?.state?.revision,
    3,
    'null: after every event',
  );
  t.equal(
    foldUntil(publishingRecordHistory, { events: events, shared: false }, at(-1)),
    undefined,
    'before the first event',
  );
});

t.test('events handed out again (a cached stream) are folded once', async (t) => {
  const { aggregate, evolved } = counting();
  const first = [...replay(aggregate, { events: events, shared: true })];
  t.equal(evolved(), events.length);
  const again = [...replay(aggregate, { events: events.slice(0, 3), shared: true }, 1)];
  t.equal(foldUntil(aggregate, { events: events, shared: true }, at(3))?.state?.status, 'failed');
  t.equal(evolved(), events.length, 'a second history page and an as-of read evolve nothing again');
  t.equal(again[0]?.state, first[1]?.state, 'the same step');
  const grown = [...events, recorded(4, 'PublishingRetried', {})];
  t.equal([...replay(aggregate, { events: grown, shared: true })].at(-1)?.state?.status, 'pending');
  t.equal(evolved(), events.length + 1, 'a grown stream folds only its new event');
  const reread = events.map((e) => ({ ...e }));
  [...replay(aggregate, { events: reread, shared: true })];
  t.equal(evolved(), 2 * events.length + 1, 'events read afresh (no cache) are folded afresh');
  [...replay(aggregate, { events, shared: false })];
  t.equal(evolved(), 3 * events.length + 1, 'events not shared with later reads are folded without the memo');
  [...replay(aggregate, { events, shared: true })];
  t.equal(evolved(), 3 * events.length + 1, 'and leave it as it was');
});
