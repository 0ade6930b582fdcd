/**
 * An append that committed before a subscription started sent its notice to nobody; if an older
 * transaction (anywhere on the server) still hides it at the subscription's first read, the
 * subscription must look for it again as soon as it becomes readable, not after a poll interval.
 * (Seen in CI: the projector, started at once, missed a test's first appends for 15 s.)
 */
import { createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { createPostgresEventStore } from '../src/index.ts';
import { appendEvents } from '../src/postgres/append.ts';
import { newEvents, streamName } from './contract/fixtures.ts';

t.test('an append hidden at the first read is delivered once readable, without a poll', async (t) => {
  const db = await createTestDatabase('es_start');
  t.teardown(db.drop);
  // Polling so rarely that only the subscription's own re-reads can find the event in time.
  const store = createPostgresEventStore({ connectionString: db.url, pollIntervalMs: 600_000 });
  t.teardown(() => store.close());
  await store.migrate();

  // A transaction with an id, held open: every append after it is committed but not yet readable.
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  t.teardown(() => holder.end());
  await holder.query('BEGIN');
  await holder.query('SELECT pg_current_xact_id()');

  // Appended as another process would whose NOTIFY was lost: the append alone, no notice at all.
  const writer = new pg.Pool({ connectionString: db.url, max: 1 });
  t.teardown(() => writer.end());
  const { result: appended } = await appendEvents(
    writer,
    '"event_store"',
    'append',
    streamName('start'),
    newEvents(1),
    'no_stream',
  );
  t.same(await store.readAll({}), [], 'committed, still hidden behind the open transaction');

  const received: string[] = [];
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const subscription = (async () => {
    for await (const batch of store.subscribe({ signal: controller.signal })) {
      received.push(...batch.map((e) => e.position));
    }
  })();
  // The subscription's first read finds nothing; then the horizon moves.
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.same(received, [], 'nothing readable yet');
  await holder.query('COMMIT');

  await waitUntil('the hidden append delivered', () => received.includes(appended.position), { timeoutMs: 5000 });
  controller.abort();
  await subscription;
});
