/**
 * The stand-in's protocol behaviour, observed through the real @eventstore/db-client: the
 * EventStoreDB semantics the adapter relies on (and works around), so that a change to the
 * stand-in that drifts from them fails here and not silently in the contract suite.
 */
import { randomUUID } from 'node:crypto';
import {
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  jsonEvent,
  START,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import t from 'tap';
import { startEsdbStandIn } from './stand-in-server.ts';

const events = (n: number) => Array.from({ length: n }, (_, i) => jsonEvent({ type: 'Tested', data: { i } }));

async function readIds(client: EventStoreDBClient, stream: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const resolved of client.readStream(stream)) ids.push(resolved.event!.id);
  return ids;
}

for (const batchAppend of [true, false]) {
  t.test(
    `appends follow EventStoreDB's expected-revision rules (${batchAppend ? 'BatchAppend' : 'Append'})`,
    async (t) => {
      const esdb = await startEsdbStandIn({ batchAppend });
      const client = EventStoreDBClient.connectionString(esdb.connectionString);
      t.teardown(async () => {
        await client.dispose();
        await esdb.stop();
      });
      const stream = `s-${randomUUID()}`;
      const conflict = async (expectedRevision: 'no_stream' | 'stream_exists' | bigint) => {
        const err = await client
          .appendToStream(stream, events(1), { expectedRevision })
          .then(() => undefined)
          .catch((e: unknown) => e);
        t.ok(err instanceof WrongExpectedVersionError, `${String(expectedRevision)} conflicts`);
        return err as WrongExpectedVersionError;
      };
      t.equal((await conflict('stream_exists')).actualVersion, 'no_stream');
      t.equal((await conflict(0n)).actualVersion, 'no_stream');
      const created = await client.appendToStream(stream, events(2), { expectedRevision: 'no_stream' });
      t.equal(created.nextExpectedRevision, 1n);
      const wrong = await conflict(5n);
      t.same([wrong.expectedVersion, wrong.actualVersion], [5n, 1n]);
      t.equal((await conflict('no_stream')).actualVersion, 1n);
      const next = await client.appendToStream(stream, events(1), { expectedRevision: 1n });
      t.equal(next.nextExpectedRevision, 2n);
      t.ok(next.position!.commit > created.position!.commit, 'positions grow');
      t.equal((await readIds(client, stream)).length, 3);
    },
  );
}

t.test('idempotency is decided as EventStoreDB does, gaps included', async (t) => {
  const esdb = await startEsdbStandIn();
  const client = EventStoreDBClient.connectionString(esdb.connectionString);
  t.teardown(async () => {
    await client.dispose();
    await esdb.stop();
  });
  const stream = `s-${randomUUID()}`;
  const batch = events(2);
  const original = await client.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
  t.same(
    await client.appendToStream(stream, batch, { expectedRevision: 'no_stream' }),
    original,
    'a re-send at the earlier expected revision answers the original result',
  );
  t.same(
    await client.appendToStream(stream, batch, { expectedRevision: 'any' }),
    original,
    'any: from the recent-ids cache',
  );
  t.equal((await readIds(client, stream)).length, 2, 'stored once so far');

  const partial = [batch[0]!, ...events(1)];
  const partialError = await client
    .appendToStream(stream, partial, { expectedRevision: 'no_stream' })
    .catch((err: unknown) => err);
  t.match(
    partialError,
    { type: 'wrong-expected-version', actualVersion: 1n },
    'a partial match is a wrong expected version',
  );

  await client.appendToStream(stream, batch, { expectedRevision: 1n });
  t.equal((await readIds(client, stream)).length, 4, 'a re-send at the current revision is stored again');

  const other = `s-${randomUUID()}`;
  const once = events(1);
  await client.appendToStream(other, once, { expectedRevision: 'any' });
  esdb.forgetRecentWrites();
  await client.appendToStream(other, once, { expectedRevision: 'any' });
  t.equal((await readIds(client, other)).length, 2, 'any after a restart (empty cache) is stored again');
});

t.test('$all: system events included, forward reads inclusive, backward reads exclusive', async (t) => {
  const esdb = await startEsdbStandIn();
  const client = EventStoreDBClient.connectionString(esdb.connectionString);
  t.teardown(async () => {
    await client.dispose();
    await esdb.stop();
  });
  await client.appendToStream(`s-${randomUUID()}`, events(3));
  const all = [];
  for await (const resolved of client.readAll({ fromPosition: START })) all.push(resolved.event!);
  t.ok(all[0]!.type.startsWith('$'), 'a fresh server already holds its own system events');
  const third = all.at(-2)!.position;
  const forwards = [];
  for await (const resolved of client.readAll({ fromPosition: third })) forwards.push(resolved.event!.id);
  t.same(
    forwards,
    all.slice(-2).map((e) => e.id),
  );
  const backwards = [];
  for await (const resolved of client.readAll({ fromPosition: third, direction: 'backwards' })) {
    backwards.push(resolved.event!.id);
  }
  t.same(
    backwards,
    all
      .slice(0, -2)
      .map((e) => e.id)
      .reverse(),
  );
  t.ok(all[1]!.position.commit - all[0]!.position.commit > 1n, 'positions are log offsets with gaps');
  const missing = await (async () => {
    for await (const _ of client.readStream(`missing-${randomUUID()}`)) {
      // no events
    }
  })().catch((err: unknown) => err);
  t.match(missing, { type: 'stream-not-found' }, 'an unknown stream is StreamNotFound');
});

t.test('subscribeToAll: confirmation, catch-up strictly after the position, caught-up, live, filter', async (t) => {
  const esdb = await startEsdbStandIn();
  const client = EventStoreDBClient.connectionString(esdb.connectionString);
  t.teardown(async () => {
    await client.dispose();
    await esdb.stop();
  });
  const stream = `s-${randomUUID()}`;
  const first = await client.appendToStream(stream, events(2));
  await client.appendToStream(stream, events(1));
  esdb.appendSystemEvent();
  const subscription = client.subscribeToAll({ fromPosition: first.position!, filter: excludeSystemEvents() });
  const seen: string[] = [];
  subscription.on('confirmation', () => seen.push('confirmation'));
  subscription.on('caughtUp', () => {
    seen.push('caughtUp');
    void client.appendToStream(stream, events(1));
  });
  for await (const resolved of subscription) {
    seen.push(`revision ${resolved.event!.revision}`);
    if (resolved.event!.revision === 3n) break;
  }
  await subscription.unsubscribe();
  t.same(
    seen.filter((s) => s !== 'caughtUp'),
    ['confirmation', 'revision 2', 'revision 3'],
  );
  t.ok(seen.indexOf('caughtUp') > 0, 'caught up before the live event');

  const live = client.subscribeToAll({ fromPosition: END });
  const caughtUp = new Promise((resolve) => live.once('caughtUp', resolve));
  await caughtUp;
  await client.appendToStream(stream, events(1));
  for await (const resolved of live) {
    t.equal(resolved.event!.revision, 4n, 'from the end: only new events');
    break;
  }
  await live.unsubscribe();
});
