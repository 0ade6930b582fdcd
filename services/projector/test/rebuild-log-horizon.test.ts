/**
 * A rebuild must not hold back the log: the event store shows readers only events older than every
 * running transaction, so whatever the rebuild keeps open hides every newer event from the live
 * projector and the relay. Its index builds hold no transaction id at all (an index build inside
 * one takes minutes on a rebuilt log of millions), and its replay writes in transactions kept short.
 */
import { createPostgresEventStore } from '@publisher/event-store';
import { createReadModelConnection, createReadModelIndexes, migrateReadModel } from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { CheckpointMovedError } from '../src/errors.ts';
import { rebuildReadModels } from '../src/rebuild.ts';
import { openSession } from '../src/session.ts';
import { writeBatch } from '../src/write-batch.ts';
import { appendWorkload, createRecord } from './support.ts';

t.test('index builds hold no transaction id: the log stays readable while they run', async (t) => {
  const database = await createTestDatabase('rebuild_indexes');
  t.teardown(database.drop);
  const store = createPostgresEventStore({ connectionString: database.url });
  t.teardown(() => store.close());
  await store.migrate();
  const schema = 'read_model_rebuild_test';
  const admin = new pg.Pool({ connectionString: database.url, max: 2 });
  t.teardown(() => admin.end());
  await migrateReadModel(admin, { schema, indexes: false });
  await createRecord(store);
  const head = await store.headPosition();

  // Hold the publishing records' index builds up on a lock.
  const blocker = new pg.Client({ connectionString: database.url });
  await blocker.connect();
  t.teardown(() => blocker.end());
  await blocker.query('BEGIN');
  await blocker.query(`LOCK TABLE ${schema}.publishing_records IN ROW EXCLUSIVE MODE`);
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  t.teardown(() => pool.end());
  const building = createReadModelIndexes(pool, schema);
  building.catch(() => {});
  await waitUntil('the index build to wait on the lock', async () => {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%CREATE INDEX%'`,
    );
    return rows[0].n > 0;
  });

  const appended = await createRecord(store);
  const readable = await waitUntil(
    'the event appended during the build to be readable',
    async () => (await store.readAll({ after: head })).some((e) => e.position === appended.position),
    { timeoutMs: 3000 },
  ).catch(() => false);
  t.ok(readable, 'an event appended while the indexes build is readable at once');
  // The other tables' indexes do not wait for the blocked table's: each table's are built in turn,
  // the tables side by side.
  const validOn = async (table: string) =>
    (
      await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2 AND i.indisvalid AND NOT i.indisprimary`,
        [schema, table],
      )
    ).rows[0]?.n ?? 0;
  await waitUntil("the deployments' and audit events' indexes", async () => {
    return (await validOn('deployments')) >= 6 && (await validOn('audit_events')) >= 11;
  });
  t.equal(await validOn('publishing_records'), 0, 'the blocked table has none yet');

  await blocker.query('COMMIT');
  await building;
  // The same secondary indexes as a schema migrated in one transaction, each valid.
  await migrateReadModel(pool, { schema: 'read_model_plain_test' });
  const built = await secondaryIndexes(pool, schema);
  const plain = await secondaryIndexes(pool, 'read_model_plain_test');
  t.ok(plain.length > 0);
  t.same(built, plain, 'every secondary index built, and valid');
  await createReadModelIndexes(pool, schema);
  t.pass('building them again is a no-op');
});

t.test('offline builds (no transaction budget): plain, two at a time, the audit table first', async (t) => {
  const database = await createTestDatabase('rebuild_indexes_offline');
  t.teardown(database.drop);
  const schema = 'read_model_offline_test';
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  t.teardown(() => pool.end());
  await migrateReadModel(pool, { schema, indexes: false });
  // Hold the audit table's builds up on a lock: both builders wait there at once.
  const blocker = new pg.Client({ connectionString: database.url });
  await blocker.connect();
  t.teardown(() => blocker.end());
  await blocker.query('BEGIN');
  await blocker.query(`LOCK TABLE ${schema}.audit_events IN ROW EXCLUSIVE MODE`);
  const building = createReadModelIndexes(pool, schema, { online: false });
  building.catch(() => {});
  const waiting = async () =>
    (
      await pool.query<{ query: string }>(
        `SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%CREATE%INDEX%'`,
      )
    ).rows.map((r) => r.query);
  await waitUntil('two builds to wait on the lock', async () => (await waiting()).length === 2);
  const queries = await waiting();
  t.ok(
    queries.every((q) => q.includes(`"${schema}".audit_events`) && !q.includes('CONCURRENTLY')),
    'both are plain builds of the audit table',
  );
  await blocker.query('COMMIT');
  await building;
  await migrateReadModel(pool, { schema: 'read_model_plain_test' });
  const plain = await secondaryIndexes(pool, 'read_model_plain_test');
  t.ok(plain.length > 20);
  t.same(await secondaryIndexes(pool, schema), plain, 'every index built, and valid');
});

t.test('the replay writes in transactions sized to the time budget, and still rebuilds everything', async (t) => {
  const database = await createTestDatabase('rebuild_chunks');
  t.teardown(database.drop);
  const store = createPostgresEventStore({ connectionString: database.url });
  t.teardown(() => store.close());
  await store.migrate();
  const events = await appendWorkload(store, { records: 600, accounts: 3 });
  // Other test files' transactions on the same server delay visibility: start once all is readable.
  await waitUntil('every event readable', async () => (await store.readAll({ limit: events + 1 })).length === events);
  const logger = pino({ level: 'silent' });
  /** Rebuilds with a transaction budget; counts the write transactions (each reports progress). */
  const rebuild = async (maxTransactionMs: number) => {
    let transactions = 0;
    let last = 0;
    const result = await rebuildReadModels({
      store,
      connectionString: database.url,
      logger,
      batchSize: 1000,
      maxTransactionMs,
      onProgress: (p) => {
        if (p.events > last) transactions += 1;
        last = p.events;
      },
    });
    return { transactions, events: result.events };
  };

  const unbounded = await rebuild(0);
  t.equal(unbounded.events, events);
  t.ok(
    unbounded.transactions <= Math.ceil(events / 1000) + 1,
    `without a budget: ${unbounded.transactions} transactions`,
  );

  const bounded = await rebuild(1);
  t.equal(bounded.events, events, 'every event replayed');
  t.ok(
    bounded.transactions > 2 * unbounded.transactions,
    `a 1 ms budget cuts the writes into ${bounded.transactions} short transactions`,
  );
  const rm = createReadModelConnection({ connectionString: database.url });
  t.teardown(rm.close);
  const { rows } = await rm.pool.query('SELECT count(*)::int AS n FROM read_model.publishing_records');
  t.equal(rows[0].n, 600, 'and every record is in the swapped-in read model');
});

/**
 * A projector batch of one record's creation, held in its loads (after it has read its checkpoint)
 * by another session's exclusive lock on the table they read; `release` lets it go on.
 */
/** A schema's indexes other than primary keys (unique ones included), by name, with their validity. */
async function secondaryIndexes(pool: pg.Pool, schema: string) {
  const { rows } = await pool.query<{ name: string; valid: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT i.indisprimary ORDER BY 1`,
    [schema],
  );
  return rows;
}

async function batchHeldInItsLoads(t: Test, name: string) {
  const database = await createTestDatabase(name);
  t.teardown(database.drop);
  const store = createPostgresEventStore({ connectionString: database.url });
  t.teardown(() => store.close());
  await store.migrate();
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  t.teardown(() => pool.end());
  await migrateReadModel(pool);
  await createRecord(store);
  await waitUntil('the event readable', async () => (await store.readAll()).length > 0);
  const events = await store.readAll();
  const session = await openSession({ connectionString: database.url, schema: 'read_model', applicationName: name });
  t.teardown(() => session.close());
  const blocker = new pg.Client({ connectionString: database.url });
  await blocker.connect();
  t.teardown(() => blocker.end());
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE read_model.publishing_records IN ACCESS EXCLUSIVE MODE');
  const writing = writeBatch(session, { projection: 'read_models', expected: null, events, skipped: new Set() });
  writing.catch(() => {});
  const backend = await waitUntil('the batch to wait on its loads', async () => {
    const { rows } = await pool.query<{ xid: string | null; wait: string | null }>(
      'SELECT backend_xid::text AS xid, wait_event_type AS wait FROM pg_stat_activity WHERE application_name = $1',
      [name],
    );
    return rows[0]?.wait === 'Lock' ? rows[0] : undefined;
  });
  return { pool, events, writing, backend, release: () => blocker.query('COMMIT') };
}

t.test('a batch takes no transaction id before it writes: its loads and fold hold back nothing', async (t) => {
  const { pool, events, writing, backend, release } = await batchHeldInItsLoads(t, 'batch_xid');
  t.equal(backend?.xid, null, 'no transaction id while it reads and folds');
  await release();
  const result = await writing;
  t.equal(result.processed, events.length, 'then it writes the batch');
  const { rows } = await pool.query('SELECT position FROM read_model.projection_checkpoints');
  t.same(rows, [{ position: result.position }], 'and moves the checkpoint');
});

t.test('a batch whose checkpoint another writer moved meanwhile commits nothing', async (t) => {
  const { pool, writing, release } = await batchHeldInItsLoads(t, 'batch_cas');
  // Another writer moves the checkpoint after the batch read it.
  await pool.query(`UPDATE read_model.projection_checkpoints SET position = 'moved' WHERE name = 'read_models'`);
  await release();
  await t.rejects(writing, CheckpointMovedError, 'the batch fails as moved');
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM read_model.publishing_records');
  t.equal(rows[0].n, 0, 'none of its rows committed');
});
