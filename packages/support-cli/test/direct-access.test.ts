import t from 'tap';
import { UsageError } from '../src/command.ts';
import { loadSupportCliConfig } from '../src/config.ts';
import { openDatabase } from '../src/direct-access.ts';

// The event store is chosen by the platform's loadEventStoreSelection, as in the services (the URL
// below is never dialled).
t.test('a direct command without DATABASE_URL is bad usage, before connecting', async (t) => {
  await t.rejects(openDatabase(loadSupportCliConfig({ EVENT_STORE: 'postgres' })), {
    constructor: UsageError,
    message: /DATABASE_URL is required/,
  });
});

t.test('EVENT_STORE is read in any case, as the services read it', async (t) => {
  const config = loadSupportCliConfig({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', EVENT_STORE: 'Postgres' });
  const db = await openDatabase(config);
  t.ok(db.store, 'a PostgreSQL store on the pool');
  await db.close();
});
