/**
 * A projector whose every start fails after it takes the lock (here: the log cannot be read) backs
 * off further with each failure instead of retrying at the first step's pace: only progress (a
 * batch committed, the log caught up) starts the backoff over, not taking the lock.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresEventStore, type EventStore } from '@publisher/event-store';
import { createReadModelConnection, migrateReadModel } from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import { pino } from 'pino';
import t from 'tap';
import { startProjector } from '../src/projector.ts';

const database = await createTestDatabase('projector_restart_backoff');
t.teardown(database.drop);
const store = createPostgresEventStore({ connectionString: database.url });
t.teardown(() => store.close());
await store.migrate();
const rm = createReadModelConnection({ connectionString: database.url });
await migrateReadModel(rm.pool);
await rm.close();

t.test('a failure after every start keeps backing off', async (t) => {
  // The store as it is, but its log cannot be read.
  const unreadable = new Proxy(store, {
    get: (target, name, receiver) =>
      name === 'subscribe'
        ? () => {
            throw new Error('the log cannot be read');
          }
        : Reflect.get(target, name, receiver),
  }) as EventStore;
  const waits: number[] = [];
  const lines = new Writable({
    write(chunk, _encoding, done) {
      const line = JSON.parse(String(chunk)) as { msg?: string; retry_in_ms?: number };
      if (line.msg === 'projector loop failed; restarting') waits.push(line.retry_in_ms!);
      done();
    },
  });
  const projector = startProjector({
    store: unreadable,
    connectionString: database.url,
    logger: pino({ level: 'warn' }, lines),
  });
  t.teardown(() => projector.close());
  await waitUntil('the first failure', () => waits.length > 0);
  await sleep(2000);
  // Bounds 100, 200, 400, 800, 1600 ms…, each wait drawn below its bound: a handful of restarts in
  // 2 s. A backoff that never grows (each wait below 100 ms) restarts twenty times and more.
  t.ok(waits.length >= 2, `it retries (${waits.length} failures)`);
  t.ok(waits.length <= 12, `${waits.length} failures in 2 s: ${waits.map(Math.round).join(', ')} ms`);
  t.equal(projector.status().state, 'starting');
});
