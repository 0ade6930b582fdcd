/**
 * The event-store contract: what every adapter (PostgreSQL, EventStoreDB) must do, written only
 * against the port so it runs unchanged against each.
 *
 * The suite never assumes the global log is empty or private: every test uses fresh stream names,
 * starts global reads at the head it observed first, and keeps only its own streams' events. So
 * a factory may hand out one shared server (EventStoreDB) or a fresh database per call (PostgreSQL).
 *
 * @example
 * eventStoreContract(t, async () => {
 *   const db = await createTestDatabase('contract');
 *   const store = createPostgresEventStore({ connectionString: db.url });
 *   await store.migrate();
 *   return { store, cleanup: async () => { await store.close(); await db.drop(); } };
 * });
 */
import type { Test } from 'tap';
import { WrongExpectedVersionError } from '../../src/errors.ts';
import {
  comparePositions,
  type EventStore,
  type ExpectedRevision,
  isPosition,
  isWrongExpectedVersion,
  type NewEvent,
} from '../../src/index.ts';
import { collect, metadata, newEvents, readAllOf, streamName, strictlyIncreasing, waitForHead } from './fixtures.ts';

export type StoreFactory = () => Promise<{ store: EventStore; cleanup: () => Promise<void> }>;

/** Runs `fn` with a store from the factory, cleaned up when the subtest ends. */
async function withStore(t: Test, factory: StoreFactory): Promise<EventStore> {
  const { store, cleanup } = await factory();
  t.teardown(cleanup);
  return store;
}

/** Appends and expects a conflict; returns the error for field checks. */
async function conflict(
  t: Test,
  store: EventStore,
  stream: string,
  events: NewEvent[],
  expected: ExpectedRevision,
): Promise<WrongExpectedVersionError | undefined> {
  try {
    await store.append(stream, events, expected);
    t.fail(`append to ${stream} with expected ${String(expected)} should conflict`);
    return undefined;
  } catch (err) {
    t.ok(isWrongExpectedVersion(err), 'a WrongExpectedVersionError');
    return err as WrongExpectedVersionError;
  }
}

export function eventStoreContract(t: Test, factory: StoreFactory): void {
  t.test('no_stream creates a stream and stores the events in order', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('create');
    const events = newEvents(3);
    const result = await store.append(stream, events, 'no_stream');
    t.equal(result.next_revision, 2, 'next_revision is the last event revision');
    t.ok(isPosition(result.position), 'position is a position token');

    const read = await store.readStream(stream);
    t.same(
      read.map((e) => [e.id, e.stream, e.type, e.revision, e.data]),
      events.map((e, i) => [e.id, stream, e.type, i, e.data]),
      'the events, in order, with revisions 0..2',
    );
    t.ok(
      read.every((e) => e.recorded_at instanceof Date && !Number.isNaN(e.recorded_at.getTime())),
      'recorded_at is a valid Date',
    );
    t.equal(read[2]?.position, result.position, 'append position is the last event position');
    t.ok(strictlyIncreasing(read.map((e) => e.position)), 'positions increase within the append');
  });

  t.test('no_stream on an existing stream conflicts, carrying stream, expected and actual', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('exists');
    await store.append(stream, newEvents(2), 'no_stream');
    const err = await conflict(t, store, stream, newEvents(1), 'no_stream');
    t.ok(err instanceof WrongExpectedVersionError, 'the shared error class');
    t.equal(err?.code, 'WRONG_EXPECTED_VERSION');
    t.equal(err?.stream, stream, 'error names the stream');
    t.equal(err?.expected, 'no_stream', 'error carries expected');
    t.equal(err?.actual, 1, 'error carries the actual revision');
    t.equal((await store.readStream(stream)).length, 2, 'nothing stored by the rejected append');
  });

  t.test('any appends to new and existing streams', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('any');
    t.equal((await store.append(stream, newEvents(2), 'any')).next_revision, 1, 'creates the stream');
    t.equal((await store.append(stream, newEvents(3), 'any')).next_revision, 4, 'appends to it');
    t.same(
      (await store.readStream(stream)).map((e) => e.revision),
      [0, 1, 2, 3, 4],
      'all five stored',
    );
  });

  t.test('stream_exists needs at least one event in the stream', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('stream-exists');
    const err = await conflict(t, store, stream, newEvents(1), 'stream_exists');
    t.equal(err?.stream, stream, 'error names the stream');
    t.equal(err?.expected, 'stream_exists', 'error carries expected');
    t.equal(err?.actual, 'no_stream', 'actual is no_stream');
    t.same(await store.readStream(stream), [], 'nothing stored');

    await store.append(stream, newEvents(1), 'no_stream');
    t.equal((await store.append(stream, newEvents(2), 'stream_exists')).next_revision, 2);
  });

  t.test('an exact revision must equal the last event revision', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('exact');
    const missing = await conflict(t, store, stream, newEvents(1), 0);
    t.equal(missing?.actual, 'no_stream', 'a revision on a missing stream conflicts');
    t.equal(missing?.expected, 0, 'error carries the expected revision');

    await store.append(stream, newEvents(2), 'no_stream');
    t.equal((await store.append(stream, newEvents(1), 1)).next_revision, 2, 'matching revision appends');

    const stale = await conflict(t, store, stream, newEvents(1), 1);
    t.same(
      { stream: stale?.stream, expected: stale?.expected, actual: stale?.actual },
      { stream, expected: 1, actual: 2 },
      'a stale revision conflicts with the actual one',
    );
    const ahead = await conflict(t, store, stream, newEvents(1), 7);
    t.same(
      { expected: ahead?.expected, actual: ahead?.actual },
      { expected: 7, actual: 2 },
      'a revision ahead conflicts',
    );
    t.equal((await store.readStream(stream)).length, 3, 'rejected appends stored nothing');
  });

  t.test('concurrent appends at the same revision: exactly one wins', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('race');
    await store.append(stream, newEvents(1), 'no_stream');
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => store.append(stream, newEvents(1), 0)));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    t.equal(won.length, 1, 'one append succeeded');
    t.equal(lost.length, 7, 'seven lost');
    t.ok(
      lost.every((e) => isWrongExpectedVersion(e) && e.actual === 1 && e.expected === 0),
      'the others conflict with actual = the winner revision',
    );
    t.equal((await store.readStream(stream)).length, 2, 'only the winner stored');
  });

  t.test('re-sending an append with the same event ids stores nothing twice', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('idempotent');
    const head = await store.headPosition();
    const events = newEvents(2);
    const original = await store.append(stream, events, 'no_stream');

    t.same(await store.append(stream, events, 'no_stream'), original, 'same expected: the original result');
    t.same(await store.append(stream, events, 'any'), original, 'any: the original result');
    t.same(await store.append(stream, events, 1), original, 'current revision: the original result');

    const later = await store.append(stream, newEvents(1), 1);
    t.same(
      await store.append(stream, events, 'no_stream'),
      original,
      'after the stream moved on, the retry still gets the original result, not a conflict',
    );

    const read = await store.readStream(stream);
    t.same(
      read.map((e) => e.id),
      [...events.map((e) => e.id), read[2]?.id],
      'each event stored once',
    );
    await waitForHead(store, later.position);
    const global = await readAllOf(store, new Set([stream]), head);
    t.equal(global.length, 3, 'each event once in the global log');
  });

  t.test('readStream reads forwards and backwards from a revision with a limit', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('read');
    await store.append(stream, newEvents(5), 'no_stream');
    const revs = async (o: Parameters<EventStore['readStream']>[1]) =>
      (await store.readStream(stream, o)).map((e) => e.revision);

    t.same(await revs({}), [0, 1, 2, 3, 4], 'default: all, forwards');
    t.same(await revs({ from: 'start' }), [0, 1, 2, 3, 4], 'from start');
    t.same(await revs({ from: 2 }), [2, 3, 4], 'from is inclusive');
    t.same(await revs({ from: 1, limit: 2 }), [1, 2], 'from 1, limit 2');
    t.same(await revs({ limit: 3 }), [0, 1, 2], 'limit 3');
    t.same(await revs({ from: 5 }), [], 'past the end: nothing');
    t.same(await revs({ direction: 'backwards' }), [4, 3, 2, 1, 0], 'backwards defaults to the end');
    t.same(await revs({ direction: 'backwards', from: 'end', limit: 2 }), [4, 3], 'backwards from end, limit 2');
    t.same(await revs({ direction: 'backwards', from: 3 }), [3, 2, 1, 0], 'backwards from 3 is inclusive');
    t.same(await revs({ direction: 'backwards', from: 3, limit: 2 }), [3, 2], 'backwards from 3, limit 2');
    t.same(await revs({ direction: 'backwards', limit: 1 }), [4], 'the last event');
  });

  t.test('an unknown stream reads as empty', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('unknown');
    t.same(await store.readStream(stream), [], 'forwards');
    t.same(await store.readStream(stream, { direction: 'backwards' }), [], 'backwards');
    t.same(await store.readStream(stream, { from: 3, limit: 2 }), [], 'with from and limit');
  });

  t.test('metadata and data round-trip intact', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('metadata');
    const head = await store.headPosition();
    const meta = metadata({
      causation_id: '6f1c2f43-9f5e-4d3c-8c8a-2b8f6b0f9a11',
      actor: { user_id: 'support-7', role: 'support' },
      tenant: { account_id: 42, site_id: 7, sector_id: null },
      request_id: null,
      schema_version: 3,
    });
    const event: NewEvent = {
      id: '0b7a1e2c-54f3-4d5e-9a7b-1c2d3e4f5a6b',
      type: 'PublishingRecordCreated',
      data: {
        text: 'héllo "wörld" \\ ✓ 🚀',
        nested: { list: [1, 2.5, -3, true, false, null, 'x'], empty: {}, none: null },
        big: 9007199254740991,
      },
      metadata: meta,
    };
    const { position } = await store.append(stream, [event], 'no_stream');
    const [stored] = await store.readStream(stream);
    t.same(stored?.data, event.data, 'data intact');
    t.same(stored?.metadata, meta, 'metadata intact');
    t.equal(stored?.id, event.id, 'id intact');
    await waitForHead(store, position);
    const [global] = await readAllOf(store, new Set([stream]), head);
    t.same(global?.metadata, meta, 'metadata intact in the global log');
    t.same(global?.data, event.data, 'data intact in the global log');
  });

  t.test('readAll returns appends in order, after is exclusive, limit cuts the page', async (t) => {
    const store = await withStore(t, factory);
    const head = await store.headPosition();
    const a = streamName('all-a');
    const b = streamName('all-b');
    const r1 = await store.append(a, newEvents(2, 'A', 0), 'no_stream');
    const r2 = await store.append(b, newEvents(1, 'B', 0), 'no_stream');
    const r3 = await store.append(a, newEvents(2, 'A', 2), 1);
    t.ok(strictlyIncreasing([r1.position, r2.position, r3.position]), 'successive appends have increasing positions');
    await waitForHead(store, r3.position);

    const ours = await readAllOf(store, new Set([a, b]), head);
    t.same(
      ours.map((e) => `${e.type}${(e.data as { n: number }).n}`),
      ['A0', 'A1', 'B0', 'A2', 'A3'],
      'global order is append order',
    );
    t.ok(strictlyIncreasing(ours.map((e) => e.position)), 'positions strictly increase');
    t.same(
      [ours[1]?.position, ours[2]?.position, ours[4]?.position],
      [r1.position, r2.position, r3.position],
      'an append position equals its last event position in the log',
    );

    const full = await store.readAll({ after: head });
    t.ok(full.length >= 5, 'the unfiltered read has at least our events');
    const firstTwo = await store.readAll({ after: head, limit: 2 });
    t.same(
      firstTwo.map((e) => e.id),
      full.slice(0, 2).map((e) => e.id),
      'limit returns the first events of the same read',
    );
    const rest = await store.readAll({ after: full[0]!.position });
    t.equal(rest[0]?.id, full[1]?.id, 'after is exclusive');
    const afterLast = await readAllOf(store, new Set([a, b]), r3.position);
    t.same(afterLast, [], 'nothing of ours after the last append position');
  });

  t.test('many streams appended concurrently: each event once, each stream in order', async (t) => {
    const store = await withStore(t, factory);
    const head = await store.headPosition();
    const streams = Array.from({ length: 12 }, (_, i) => streamName(`many-${i}`));
    const perStream = 6;
    const results = await Promise.all(
      streams.map(async (s) => {
        let last = await store.append(s, newEvents(1, 'E', 0), 'no_stream');
        for (let i = 1; i < perStream; i++) last = await store.append(s, newEvents(1, 'E', i), i - 1);
        return last;
      }),
    );
    const newest = results.map((r) => r.position).sort()[results.length - 1]!;
    await waitForHead(store, newest);
    const events = await readAllOf(store, new Set(streams), head);
    t.equal(events.length, streams.length * perStream, 'every event read');
    t.equal(new Set(events.map((e) => e.id)).size, events.length, 'no event twice');
    t.ok(strictlyIncreasing(events.map((e) => e.position)), 'global order strictly increasing');
    for (const s of streams) {
      const revs = events.filter((e) => e.stream === s).map((e) => e.revision);
      if (!t.same(revs, [0, 1, 2, 3, 4, 5], `${s} in revision order in the global log`)) break;
      t.same(
        (await store.readStream(s)).map((e) => (e.data as { n: number }).n),
        [0, 1, 2, 3, 4, 5],
        `${s} reads back in order`,
      );
    }
  });

  t.test('blind concurrent appends to one stream keep its revision order in the global log', async (t) => {
    const store = await withStore(t, factory);
    const head = await store.headPosition();
    const stream = streamName('blind');
    await store.append(stream, newEvents(1), 'no_stream');
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => store.append(stream, newEvents(1, 'E', i), i % 2 ? 'any' : 'stream_exists')),
    );
    t.same(
      results.map((r) => r.next_revision).sort((x, y) => x - y),
      Array.from({ length: 16 }, (_, i) => i + 1),
      'each append got its own revision',
    );
    await waitForHead(store, results.map((r) => r.position).sort()[15]!);
    const events = await readAllOf(store, new Set([stream]), head);
    t.same(
      events.map((e) => e.revision),
      Array.from({ length: 17 }, (_, i) => i),
      'revisions appear in order in the global log',
    );
  });

  t.test('subscribe catches up, reports it, then delivers live appends in order', async (t) => {
    const store = await withStore(t, factory);
    const head = await store.headPosition();
    const stream = streamName('subscribe');
    const before = await store.append(stream, newEvents(5, 'E', 0), 'no_stream');
    await waitForHead(store, before.position);

    let caughtUp = 0;
    let live: Promise<unknown> | null = null;
    const appended: string[] = [];
    const result = await collect(store, {
      streams: new Set([stream]),
      after: head,
      batchSize: 2,
      onCaughtUp: () => {
        caughtUp++;
        // Live appends start only once the subscriber has read the past.
        live ??= (async () => {
          const r1 = await store.append(stream, newEvents(2, 'E', 5), 4);
          const r2 = await store.append(stream, newEvents(1, 'E', 7), 6);
          appended.push(r1.position, r2.position);
        })();
      },
      done: (events) => events.length >= 8,
    });
    await live;
    t.notOk(result.timedOut, 'live events arrived');
    t.ok(caughtUp >= 1, 'on_caught_up called');
    t.same(
      result.events.map((e) => (e.data as { n: number }).n),
      [0, 1, 2, 3, 4, 5, 6, 7],
      'catch-up then live, in order, each once',
    );
    t.ok(
      result.batches.every((b) => b.length <= 2 && b.length > 0),
      'batches respect batch_size',
    );
    t.ok(strictlyIncreasing(result.batches.flat().map((e) => e.position)), 'batches in global order');
    t.equal(result.events[4]?.position, before.position, 'subscription positions equal append positions');
    t.same([result.events[6]?.position, result.events[7]?.position], appended, 'live positions equal append positions');
  });

  t.test('subscribe starts strictly after its checkpoint', async (t) => {
    const store = await withStore(t, factory);
    const stream = streamName('checkpoint');
    const first = await store.append(stream, newEvents(3, 'E', 0), 'no_stream');
    const second = await store.append(stream, newEvents(2, 'E', 3), 2);
    await waitForHead(store, second.position);
    const { events, timedOut } = await collect(store, {
      streams: new Set([stream]),
      after: first.position,
      done: (events) => events.length >= 2,
    });
    t.notOk(timedOut, 'events arrived');
    t.same(
      events.map((e) => (e.data as { n: number }).n),
      [3, 4],
    );
  });

  t.test('an aborted subscription ends without error while waiting for events', async (t) => {
    const store = await withStore(t, factory);
    const controller = new AbortController();
    const head = await store.headPosition();
    let caughtUp = false;
    const started = Date.now();
    const run = (async () => {
      for await (const _ of store.subscribe({
        after: head,
        signal: controller.signal,
        on_caught_up: () => {
          caughtUp = true;
          controller.abort();
        },
      })) {
        // live: nothing to do
      }
    })();
    await t.resolves(run, 'iterator ends without error');
    t.ok(caughtUp, 'on_caught_up called');
    t.ok(Date.now() - started < 5000, 'promptly');
  });

  t.test('headPosition follows appends', async (t) => {
    const store = await withStore(t, factory);
    const before = await store.headPosition();
    const r = await store.append(streamName('head'), newEvents(1), 'no_stream');
    t.ok(comparePositions(before, r.position) < 0, 'an append lands after the previous head');
    const head = await waitForHead(store, r.position);
    t.ok(comparePositions(head, r.position) >= 0, 'the head reaches the append position');
    t.ok(
      comparePositions(await store.committedHeadPosition(), r.position) >= 0,
      'the committed head includes the append at once',
    );
    await store.ping();
  });
}
