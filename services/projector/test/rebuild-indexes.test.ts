/**
 * A rebuild builds its indexes without holding a transaction id: the event store shows readers only
 * events older than every running transaction, so an index build inside one (minutes, on a rebuilt
 * log of millions) would hide every new event from the projector and the relay until it ended.
 * Here an index build is held up on a lock half-way through; an event appended meanwhile must be
 * readable at once.
 */
import { createPostgresEventStore } from '@publisher/event-store';
import { createReadModelIndexes, migrateReadModel } from '@publisher/read-model';
import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { createRecord, waitFor } from './support.ts';

t.test('index builds hold no transaction id: the log stays readable while they run', async (t) => {
  const database = await createTestDatabase('rebuild_indexes');
  t.teardown(database.drop);
  const store = createPostgresEventStore({ connectionString: database.url });
  t.teardown(() => store.close());
  await store.migrate();
  const pool = new pg.Pool({ connectionString: database.url, max: 3 });
  t.teardown(() => pool.end());
  const schema = 'read_model_rebuild_test';
  await migrateReadModel(pool, { schema, indexes: false });
  await createRecord(store);
  const head = await store.headPosition();

  // The deployments' indexes come after the publishing records': hold them up on a lock.
  const blocker = new pg.Client({ connectionString: database.url });
  await blocker.connect();
  t.teardown(() => blocker.end());
  await blocker.query('BEGIN');
  await blocker.query(`LOCK TABLE ${schema}.deployments IN ROW EXCLUSIVE MODE`);
  const building = createReadModelIndexes(pool, schema);
  building.catch(() => {});
  await waitFor('the index build to wait on the lock', async () => {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%CREATE INDEX%'`,
    );
    return rows[0].n > 0;
  });

  const appended = await createRecord(store);
  const readable = await waitFor(
    'the event appended during the build to be readable',
    async () => (await store.readAll({ after: head })).some((e) => e.position === appended.position),
    3000,
  ).catch(() => false);
  t.ok(readable, 'an event appended while the indexes build is readable at once');

  await blocker.query('COMMIT');
  await building;
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n, bool_and(i.indisvalid) AS valid FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT i.indisprimary AND NOT i.indisunique`,
    [schema],
  );
  t.same(rows[0], { n: 11, valid: true }, 'every secondary index built, and valid');
  await createReadModelIndexes(pool, schema);
  t.pass('building them again is a no-op');
});
