/**
 * What the EventStoreDB adapter adds beyond the shared contract: EventStoreDB's own events never
 * reach the port, idempotency that does not depend on the server's cache, unavailability as the
 * port's error, and subscription batching, caught-up and shutdown behaviour. Real client, real
 * gRPC, against the stand-in.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { EventStoreDBClient } from '@eventstore/db-client';
import t, { type Test } from 'tap';
import { DuplicateEventIdError, isEventStoreUnavailable } from '../../src/errors.ts';
import { createEsdbEventStore, type EventStore, type RecordedEvent } from '../../src/index.ts';
import { newEvents } from '../contract/fixtures.ts';
import { type EsdbStandIn, startEsdbStandIn } from './stand-in-server.ts';

async function setup(t: Test): Promise<{ esdb: EsdbStandIn; store: EventStore }> {
  const esdb = await startEsdbStandIn();
  const store = createEsdbEventStore({ connectionString: esdb.connectionString });
  t.teardown(async () => {
    await store.close();
    await esdb.stop();
  });
  return { esdb, store };
}

t.test('a malformed connection string fails at creation, before the client library loads', async (t) => {
  t.throws(() => createEsdbEventStore({ connectionString: 'http://127.0.0.1:2113' }), /not an EventStoreDB connection/);
  t.throws(() => createEsdbEventStore({ connectionString: '' }), /not an EventStoreDB connection/);
  const unused = createEsdbEventStore({ connectionString: 'esdb://127.0.0.1:1?tls=false' });
  await unused.close(); // never used: nothing to load, nothing to close
  t.pass('closing a store never used is a no-op');
});

t.test('EventStoreDB system events never reach the global log of the port', async (t) => {
  const { esdb, store } = await setup(t);
  const stream = `s-${randomUUID()}`;
  t.equal(await store.headPosition(), null, 'only system events: no head');
  await store.append(stream, newEvents(1, 'E', 0), 'no_stream');
  esdb.appendSystemEvent();
  esdb.appendSystemEvent(`$$${stream}`, '$metadata');
  const last = await store.append(stream, newEvents(1, 'E', 1), 0);
  esdb.appendSystemEvent();

  t.same(
    (await store.readAll()).map((e) => e.stream),
    [stream, stream],
    'readAll skips them',
  );
  t.same(
    (await store.readAll({ limit: 1 })).map((e) => e.revision),
    [0],
    'a limit counts application events only',
  );
  t.equal(await store.headPosition(), last.position, 'the head is the newest application event');

  const controller = new AbortController();
  const seen: RecordedEvent[] = [];
  for await (const batch of store.subscribe({ signal: controller.signal, on_caught_up: () => controller.abort() })) {
    seen.push(...batch);
  }
  t.same(
    seen.map((e) => e.revision),
    [0, 1],
    'subscriptions skip them',
  );
});

t.test('re-sent appends are recognised by the adapter, not only by the server cache', async (t) => {
  const { esdb, store } = await setup(t);
  const stream = `s-${randomUUID()}`;
  const events = newEvents(2);
  const original = await store.append(stream, events, 'any');
  esdb.forgetRecentWrites(); // as after a server restart: EventStoreDB alone would store them again
  t.same(await store.append(stream, events, 'any'), original);
  t.same(await store.append(stream, events, 'stream_exists'), original);
  t.equal((await store.readStream(stream)).length, 2, 'stored once');

  const partial = [events[1]!, ...newEvents(1)];
  await t.rejects(store.append(stream, partial, 'any'), { code: 'DUPLICATE_EVENT_ID', ids: [events[1]!.id] });
  const repeated = newEvents(1);
  const err = await store.append(stream, [repeated[0]!, repeated[0]!], 1).catch((e: unknown) => e);
  t.ok(err instanceof DuplicateEventIdError, 'an id twice in one append');
  t.equal((await store.readStream(stream)).length, 2, 'nothing stored by the rejected appends');
});

t.test('stored metadata carries the names EventStoreDB projections read', async (t) => {
  const { esdb, store } = await setup(t);
  const stream = `s-${randomUUID()}`;
  const [event] = newEvents(1);
  event!.metadata.causation_id = randomUUID();
  await store.append(stream, [event!], 'no_stream');
  const client = EventStoreDBClient.connectionString(esdb.connectionString);
  t.teardown(() => client.dispose());
  for await (const resolved of client.readStream(stream)) {
    t.match(resolved.event!.metadata, {
      $correlationId: event!.metadata.correlation_id,
      $causationId: event!.metadata.causation_id,
    });
  }
  t.same((await store.readStream(stream))[0]?.metadata, event!.metadata, 'the port reads the metadata as written');
});

t.test('a long catch-up arrives in bounded batches and reports caught-up after the last one', async (t) => {
  const { store } = await setup(t);
  const stream = `s-${randomUUID()}`;
  for (let i = 0; i < 12; i++)
    await store.append(stream, newEvents(100, 'E', i * 100), i === 0 ? 'no_stream' : i * 100 - 1);

  const controller = new AbortController();
  const sizes: number[] = [];
  let deliveredAtCaughtUp = -1;
  let delivered = 0;
  let live: Promise<unknown> | undefined;
  for await (const batch of store.subscribe({
    batch_size: 500,
    signal: controller.signal,
    on_caught_up: () => {
      deliveredAtCaughtUp = delivered;
      live = store.append(stream, newEvents(1, 'E', 1200), 1199);
    },
  })) {
    sizes.push(batch.length);
    delivered += batch.length;
    if (delivered === 1201) controller.abort();
  }
  await live;
  t.ok(
    sizes.every((size) => size > 0 && size <= 500),
    'no batch above batch_size',
  );
  t.equal(deliveredAtCaughtUp, 1200, 'caught up once the past was delivered, before the live event');
  t.equal(delivered, 1201);
});

t.test('a subscription limit ends the iteration', async (t) => {
  const { store } = await setup(t);
  await store.append(`s-${randomUUID()}`, newEvents(5), 'no_stream');
  const got: number[] = [];
  for await (const batch of store.subscribe({ limit: 3, batch_size: 2 })) got.push(batch.length);
  t.equal(
    got.reduce((a, b) => a + b, 0),
    3,
    'three events, then the iterator ends',
  );
  t.ok(got.every((size) => size <= 2));
});

t.test('close ends an open subscription without an error', async (t) => {
  const esdb = await startEsdbStandIn();
  t.teardown(esdb.stop);
  const store = createEsdbEventStore({ connectionString: esdb.connectionString });
  let caughtUp!: () => void;
  const live = new Promise<void>((resolve) => {
    caughtUp = resolve;
  });
  const run = (async () => {
    for await (const _ of store.subscribe({ on_caught_up: () => caughtUp() })) {
      // nothing arrives
    }
  })();
  await live;
  await store.close();
  await t.resolves(run);
});

t.test('an unreachable server is EVENT_STORE_UNAVAILABLE', async (t) => {
  const esdb = await startEsdbStandIn();
  const store = createEsdbEventStore({ connectionString: esdb.connectionString });
  t.teardown(() => store.close());
  const stream = `s-${randomUUID()}`;
  await store.append(stream, newEvents(1), 'no_stream');
  let caughtUp!: () => void;
  const live = new Promise<void>((resolve) => {
    caughtUp = resolve;
  });
  const subscription = (async () => {
    for await (const _ of store.subscribe({ on_caught_up: () => caughtUp() })) {
      // waiting for live events
    }
  })();
  await live;
  await esdb.stop();

  const unavailable = { code: 'EVENT_STORE_UNAVAILABLE' };
  await t.rejects(subscription, unavailable, 'the open subscription fails');
  await t.rejects(store.append(stream, newEvents(1), 0), unavailable, 'append');
  await t.rejects(store.readStream(stream), unavailable, 'readStream');
  await t.rejects(store.readAll(), unavailable, 'readAll');
  await t.rejects(store.headPosition(), unavailable, 'headPosition');
  await t.rejects(store.ping(), unavailable, 'ping');
  const iterator = store.subscribe()[Symbol.asyncIterator]();
  await t.rejects(iterator.next(), unavailable, 'a new subscription');
});

t.test('ping gives up on a server that accepts connections but never answers', async (t) => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
  const { port } = silent.address() as { port: number };
  const store = createEsdbEventStore({ connectionString: `esdb://127.0.0.1:${port}?tls=false`, pingTimeoutMs: 300 });
  t.teardown(() => store.close());
  const started = Date.now();
  const err = await store.ping().catch((e: unknown) => e);
  t.ok(isEventStoreUnavailable(err), 'unavailable');
  t.ok(Date.now() - started < 3000, 'within about the ping timeout');
});
