/**
 * A request lost in a network partition never gets an answer, and the connection it was sent on
 * never fails. The projector's queries (its session and its event-store pool) are bounded by
 * DATABASE_QUERY_TIMEOUT_MS, so it drops such connections and goes on projecting, instead of waiting
 * on them forever.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresEventStore, openEventStore } from '@publisher/event-store';
import { createReadModelConnection, migrateReadModel, readCheckpoint } from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import { pino } from 'pino';
import t from 'tap';
import { startTcpProxy, viaProxy } from '../../../packages/event-store/test/helpers/tcp-proxy.ts';
import { loadProjectorConfig } from '../src/config.ts';
import { eventStoreOptions } from '../src/main.ts';
import { startProjector } from '../src/projector.ts';
import { createRecord } from './support.ts';

t.test('requests lost while the database hung do not stop the projector', async (t) => {
  const database = await createTestDatabase('projector_stall');
  t.teardown(database.drop);
  const target = new URL(database.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  t.teardown(proxy.close);
  const direct = createPostgresEventStore({ connectionString: database.url });
  t.teardown(() => direct.close());
  await direct.migrate();
  const rm = createReadModelConnection({ connectionString: database.url });
  t.teardown(rm.close);
  await migrateReadModel(rm.pool);

  const logger = pino({ level: 'silent' });
  const config = loadProjectorConfig({
    DATABASE_URL: viaProxy(database.url, proxy),
    STATUS_ENABLED: 'false',
    PROJECTOR_POLL_INTERVAL_MS: '20',
    DATABASE_CONNECT_TIMEOUT_MS: '500',
    DATABASE_STATEMENT_TIMEOUT_MS: '500',
    DATABASE_QUERY_TIMEOUT_MS: '1000',
  });
  t.equal(config.database.queryTimeoutMs, 1000);
  const store = await openEventStore(config.eventStore, eventStoreOptions(config, logger));
  t.teardown(() => store.close());
  const projector = startProjector({
    store,
    connectionString: config.databaseUrl,
    logger,
    timeouts: config.database,
    standbyRetryMs: 50,
  });
  t.teardown(() => projector.close());
  const projected = (position: string) =>
    waitUntil(`checkpoint ${position}`, async () => (await readCheckpoint(rm.db)).position === position, {
      timeoutMs: 10_000,
    });

  await projected((await createRecord(direct)).position);

  // The projector polls every 20 ms: during a 300 ms hang its queries are in flight, and lost.
  proxy.stall();
  await sleep(300);
  proxy.resume({ dropHeld: true });

  const after = await createRecord(direct);
  await projected(after.position);
  t.pass('events appended after the hang are projected');
});
