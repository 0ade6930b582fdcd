import { freePort } from '@publisher/dev-infra';
import { createPostgresEventStore } from '@publisher/event-store';
import {
  createReadModelConnection,
  EVERY_TENANT,
  loadPublishingRecords,
  migrateReadModel,
  readCheckpoint,
} from '@publisher/read-model';
import { createTestDatabase, scrapeMetrics, waitUntil } from '@publisher/testing';
import t from 'tap';
import type { ProjectorStatus } from '../src/status.ts';
import { appendToRecord, appendWorkload, createRecord, spawnProjector } from './support.ts';

const database = await createTestDatabase('failover');
t.teardown(database.drop);
const store = createPostgresEventStore({ connectionString: database.url });
t.teardown(() => store.close());
await store.migrate();
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);

/**
 * A projector with its status server up. The free port is only free when asked: another test's
 * process may take it before the projector binds it, so a start that dies of EADDRINUSE is
 * retried on a new port; any other death fails with the process's own last words.
 */
async function start() {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p = spawnProjector(database.url, {
      STATUS_ENABLED: 'true',
      PROJECTOR_PORT: String(port),
      PROJECTOR_BATCH_SIZE: '20',
    });
    t.teardown(() => p.kill());
    const status = async (): Promise<ProjectorStatus | null> => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/status`);
        return ((await res.json()) as { data: ProjectorStatus }).data;
      } catch {
        return null;
      }
    };
    const died = p.exited.then((end) => ({ died: end }));
    const answered = waitUntil('status server', status, { timeoutMs: 60_000 }).then(
      () => null,
      (err: Error) => {
        throw new Error(`${err.message}; the projector's stderr:\n${p.stderr()}`);
      },
    );
    const up = await Promise.race([answered, died]);
    if (up === null) return { ...p, port, status: async () => (await status())! };
    if (attempt < 3 && p.stderr().includes('EADDRINUSE')) continue;
    throw new Error(`the projector exited (${up.died}) before its status server answered:\n${p.stderr()}`);
  }
}

t.test('two instances: exactly one projects; kill it and the other takes over', async (t) => {
  await appendWorkload(store, { records: 300, accounts: 3 });
  const a = await start();
  await waitUntil('A to project', async () => ['catching_up', 'live'].includes((await a.status()).state));
  const b = await start();
  await waitUntil('B to stand by', async () => (await b.status()).state === 'standby');

  const r = await createRecord(store);
  await waitUntil('A projects new events', async () => (await readCheckpoint(rm.db)).position === r.position);
  t.match(await a.status(), { state: 'live' });
  t.match(await b.status(), { state: 'standby', events_processed: 0, batches_committed: 0 }, 'B wrote nothing');

  await a.kill('SIGKILL');
  await waitUntil('B to take over', async () => ['catching_up', 'live'].includes((await b.status()).state), {
    timeoutMs: 30_000,
  });
  const next = await appendToRecord(store, r.id, 0, ['PublishingStarted', { attempt: 1 }]);
  await waitUntil('B projects', async () => (await readCheckpoint(rm.db)).position === next.position);
  t.match((await loadPublishingRecords(rm.db, EVERY_TENANT, [r.id])).get(r.id), { status: 'publishing', revision: 1 });
  t.ok((await b.status()).events_processed >= 1, 'B is the one projecting now');
  t.equal((await fetch(`http://127.0.0.1:${b.port}/ready`)).status, 200);
  const metrics = await scrapeMetrics(`http://127.0.0.1:${b.port}/metrics`);
  t.equal(metrics.value('publisher_projector_lag_events'), 0);
  t.equal(metrics.value('publisher_projector_state', { state: 'live' }), 1);
});
