import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { createPostgresEventStore } from '../src/index.ts';
import { eventStoreContract } from './contract/suite.ts';

eventStoreContract(t, async () => {
  const db = await createTestDatabase('es_contract');
  const store = createPostgresEventStore({ connectionString: db.url, pollIntervalMs: 100 });
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
});
