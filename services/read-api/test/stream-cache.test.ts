/**
 * The stream reader behind history and as-of reads, on the real PostgreSQL event store: streams are
 * cached on their second read; cached streams cost one one-row read and still see every new event;
 * eviction by events; no cache.
 */
import { randomUUID } from 'node:crypto';
import {
  createPostgresEventStore,
  type EventStore,
  type NewEvent,
  type ReadStreamOptions,
} from '@publisher/event-store';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { StreamReader } from '../src/history/stream-cache.ts';

const db = await createTestDatabase('stream_cache');
t.teardown(db.drop);
const store = createPostgresEventStore({ connectionString: db.url });
t.teardown(() => store.close());
await store.migrate();

/** The store, with every readStream call it answers written down. */
function spied(): { store: EventStore; calls: ReadStreamOptions[] } {
  const calls: ReadStreamOptions[] = [];
  return {
    calls,
    store: {
      ...store,
      readStream: (stream, options = {}) => {
        calls.push(options);
        return store.readStream(stream, options);
      },
    },
  };
}

const event = (n: number): NewEvent => ({
  id: randomUUID(),
  type: 'Happened',
  data: { n },
  metadata: {
    correlation_id: 'c',
    causation_id: null,
    actor: { user_id: 'u', role: 'editor' },
    tenant: { account_id: 1, site_id: 1, sector_id: null },
    request_id: null,
    occurred_at: '2024-05-01T00:00:00.000Z',
    schema_version: 1,
  },
});
const append = (stream: string, from: number, count: number) =>
  store.append(
    stream,
    Array.from({ length: count }, (_, i) => event(from + i)),
    from === 0 ? 'no_stream' : from - 1,
  );
const ns = (events: Array<{ data: Record<string, unknown> }>) => events.map((e) => e.data.n);

t.test('a stream read once is read as without a cache, and is cached on its second read', async (t) => {
  const { store: s, calls } = spied();
  const streams = new StreamReader(s, 1000);
  const stream = `s-${randomUUID()}`;
  await append(stream, 0, 5);
  t.same(
    await streams.read(stream, 3).then((r) => [ns(r.events), r.length, r.cached]),
    [[0, 1, 2], 5, false],
    'first read',
  );
  t.same(
    calls,
    [{ limit: 3 }, { from: 'end', direction: 'backwards', limit: 1 }],
    'the events asked for, and the length',
  );
  t.same(streams.stats(), { streams: 0, events: 0 }, 'not cached');
  calls.length = 0;
  t.same(
    await streams.read(stream, 3).then((r) => [ns(r.events), r.length, r.cached]),
    [[0, 1, 2], 5, true],
    'second read',
  );
  t.same(calls, [{}], 'the whole stream, in one read');
  t.same(streams.stats(), { streams: 1, events: 5 }, 'cached');
});

t.test('a cached stream costs one one-row read, and still sees every new event', async (t) => {
  const { store: s, calls } = spied();
  const streams = new StreamReader(s, 1000);
  const stream = `s-${randomUUID()}`;
  await append(stream, 0, 3);
  await streams.read(stream);
  t.same(ns((await streams.read(stream)).events), [0, 1, 2], 'read twice: the whole stream, cached');
  calls.length = 0;
  t.same(await streams.read(stream, 2).then((r) => [ns(r.events), r.length]), [[0, 1], 3], 'limit and length');
  t.same(calls, [{ from: 'end', direction: 'backwards', limit: 1 }], 'only the last event was read');

  await append(stream, 3, 1);
  calls.length = 0;
  t.same(ns((await streams.read(stream)).events), [0, 1, 2, 3], 'one new event: the last-event read brings it');
  t.equal(calls.length, 1);

  await append(stream, 4, 3);
  calls.length = 0;
  t.same(ns((await streams.read(stream)).events), [0, 1, 2, 3, 4, 5, 6], 'several: the ones after the cache');
  t.same(calls[1], { from: 4 });
  t.same(streams.stats(), { streams: 1, events: 7 });
  const unknown = `s-${randomUUID()}`;
  t.same(await streams.read(unknown), { events: [], length: 0, cached: false }, 'an unknown stream');
  t.same(await streams.read(unknown), { events: [], length: 0, cached: false }, 'read again');
  t.same(streams.stats(), { streams: 1, events: 7 }, 'is not cached');
});

t.test('least recently read streams go first, to stay within the events allowed', async (t) => {
  const streams = new StreamReader(store, 10);
  const [a, b, c] = [`a-${randomUUID()}`, `b-${randomUUID()}`, `c-${randomUUID()}`];
  await append(a, 0, 4);
  await append(b, 0, 4);
  await append(c, 0, 4);
  const twice = async (stream: string) => {
    await streams.read(stream);
    await streams.read(stream);
  };
  await twice(a);
  await twice(b);
  await streams.read(a);
  await twice(c);
  t.same(streams.stats(), { streams: 2, events: 8 }, 'b, read least recently, went');
  const big = `big-${randomUUID()}`;
  await append(big, 0, 11);
  await streams.read(big);
  t.same(
    await streams.read(big).then((r) => [r.length, r.cached]),
    [11, false],
    'a stream larger than the cache is read, not kept',
  );
  t.same(streams.stats(), { streams: 2, events: 8 });
  await append(c, 4, 7);
  t.same(
    await streams.read(c).then((r) => [r.length, r.cached]),
    [11, false],
    'a cached stream grown larger than the cache is read …',
  );
  t.same(streams.stats(), { streams: 1, events: 4 }, '… and its old events are dropped');
});

t.test('once the cache is full, a stream replaces the least recently read one only if read more often', async (t) => {
  const { store: s, calls } = spied();
  const streams = new StreamReader(s, 2);
  // Fixed names: the frequency sketch is a few counters wide here, and names that share all of a
  // key's counters would read as equally frequent; these three do not (the hashing is fixed).
  const [a, b, c] = ['lfu-a', 'lfu-b', 'lfu-c'];
  for (const x of [a, b, c]) await append(x, 0, 1);
  await streams.read(a);
  t.same(streams.stats(), { streams: 0, events: 0 }, 'a stream read once is not cached');
  for (const x of [a, b, b, b, b]) await streams.read(x);
  t.same(streams.stats(), { streams: 2, events: 2 }, 'read twice while there is room, it is');
  await streams.read(c);
  await streams.read(c);
  t.same(streams.stats(), { streams: 2, events: 2 }, 'full: c, read as often as a, does not replace it');
  t.equal((await streams.read(c)).cached, true, 'read more often than a (the least recently read), it does');
  t.same(streams.stats(), { streams: 2, events: 2 });
  calls.length = 0;
  t.equal((await streams.read(b)).cached, true);
  t.same(calls, [{ from: 'end', direction: 'backwards', limit: 1 }], 'b is still cached: a went');
});

t.test('without a cache, a read asks for just the events wanted, and the length only when needed', async (t) => {
  const { store: s, calls } = spied();
  const streams = new StreamReader(s, 0);
  const stream = `s-${randomUUID()}`;
  await append(stream, 0, 5);
  t.same(await streams.read(stream, 3).then((r) => [ns(r.events), r.length]), [[0, 1, 2], 5]);
  t.same(calls, [{ limit: 3 }, { from: 'end', direction: 'backwards', limit: 1 }]);
  calls.length = 0;
  t.same(await streams.read(stream, 10).then((r) => [ns(r.events), r.length]), [[0, 1, 2, 3, 4], 5]);
  t.same(calls, [{ limit: 10 }], 'fewer than asked: that is all of it');
  t.same(streams.stats(), { streams: 0, events: 0 });
});
