/**
 * A projector closed while it is starting to project (reading its checkpoint) stops at once: the
 * subscription it was about to open sees the close, instead of waiting for events that may never come.
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresEventStore } from '@publisher/event-store';
import { createReadModelConnection, migrateReadModel } from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import { pino } from 'pino';
import t from 'tap';
import { startProjector } from '../src/projector.ts';

const database = await createTestDatabase('projector_close');
t.teardown(database.drop);
const store = createPostgresEventStore({ connectionString: database.url, pollIntervalMs: 600_000 });
t.teardown(() => store.close());
await store.migrate();
const rm = createReadModelConnection({ connectionString: database.url });
await migrateReadModel(rm.pool);
await rm.close();

t.test('closed just after taking the lock, while it reads its checkpoint', async (t) => {
  let closed: Promise<void> | undefined;
  // The close comes right after the lock is taken: after the log line, once the checkpoint's query
  // is out (setImmediate runs before its answer can arrive).
  const lines = new Writable({
    write(chunk, _encoding, done) {
      if (String(chunk).includes('holding the projection lock')) setImmediate(() => (closed = projector.close()));
      done();
    },
  });
  const projector = startProjector({ store, connectionString: database.url, logger: pino({ level: 'info' }, lines) });
  await waitUntil('the close to start', () => closed !== undefined);
  const outcome = await Promise.race([closed!.then(() => 'closed'), sleep(5000).then(() => 'still closing after 5 s')]);
  t.equal(outcome, 'closed');
});
