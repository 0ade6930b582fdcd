/**
 * A rebuild's replay keeps only the batches in flight in memory, however long the log: over 10 M
 * events (`pnpm bench:growth`) a catch-up that kept every batch it had read grew past a gigabyte,
 * paused for seconds in garbage collection and lost its session to the server's
 * idle-in-transaction timeout. The log is read through the real store; a wrapper only notes each
 * batch it hands out, to see which of them are still reachable while the replay goes on.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createPostgresEventStore, type EventStore, type RecordedEvent } from '@publisher/event-store';
import { migrateReadModel } from '@publisher/read-model';
import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { catchUp } from '../src/catch-up.ts';
import { openSession } from '../src/session.ts';
import { appendWorkload } from './support.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const database = await createTestDatabase('catch_up_memory');
t.teardown(database.drop);
const store = createPostgresEventStore({ connectionString: database.url });
t.teardown(() => store.close());
await store.migrate();
const pool = new pg.Pool({ connectionString: database.url, max: 1 });
t.teardown(() => pool.end());
await migrateReadModel(pool);

t.test('batches already written are not kept while the replay goes on', async (t) => {
  await appendWorkload(store, { records: 300, accounts: 3 });
  const handedOut: Array<WeakRef<RecordedEvent[]>> = [];
  const noting: EventStore = {
    ...store,
    subscribe: (options) => ({
      async *[Symbol.asyncIterator]() {
        for await (const batch of store.subscribe(options)) {
          handedOut.push(new WeakRef(batch));
          yield batch;
        }
      },
    }),
  };
  const session = await openSession({
    connectionString: database.url,
    schema: 'read_model',
    applicationName: 'catch-up-test',
  });
  t.teardown(() => session.close());
  const alive: number[] = [];
  // A catch-up ends when a read comes back short, which another test's open transaction on the same
  // server can make happen early (it hides newer appends for a moment): go on until the head.
  const head = await store.committedHeadPosition();
  for (let position: string | null = null, tries = 0; position !== head && tries < 50; tries++) {
    position = await catchUp(noting, session, {
      projection: 'read_models',
      batchSize: 20,
      onBatch: () => {
        gc();
        alive.push(handedOut.filter((ref) => ref.deref() !== undefined).length);
      },
    });
  }
  t.ok(handedOut.length > 20, `${handedOut.length} batches read`);
  // The batch being written and the one read ahead of it; a few more at most while promises settle.
  t.ok(Math.max(...alive) <= 4, `at most ${Math.max(...alive)} batches reachable at once (of ${handedOut.length})`);
});
