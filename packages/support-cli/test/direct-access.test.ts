import t from 'tap';
import { UsageError } from '../src/command.ts';
import { openDatabase } from '../src/direct-access.ts';

// The event store is chosen by the platform's loadEventStoreSelection, as in the services: a bad
// EVENT_STORE is bad usage before any connection is opened (the URL below is never dialled).
t.test('a bad EVENT_STORE or a missing EVENTSTORE_URL is bad usage, before connecting', async (t) => {
  const url = 'postgres://nobody@127.0.0.1:1/none';
  await t.rejects(openDatabase({ DATABASE_URL: url, EVENT_STORE: 'mongo' }), {
    constructor: UsageError,
    message: /EVENT_STORE must be one of postgres, esdb; got mongo/,
  });
  await t.rejects(openDatabase({ DATABASE_URL: url, EVENT_STORE: 'esdb' }), {
    constructor: UsageError,
    message: /EVENT_STORE=esdb needs EVENTSTORE_URL/,
  });
  await t.rejects(openDatabase({ EVENT_STORE: 'postgres' }), { constructor: UsageError, message: /DATABASE_URL/ });
});

t.test('EVENT_STORE is read in any case, as the services read it', async (t) => {
  const db = await openDatabase({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', EVENT_STORE: 'Postgres' });
  t.ok(db.store, 'a PostgreSQL store on the pool');
  await db.close();
});
