import { comparePositions, createPostgresEventStore } from '@publisher/event-store';
import {
  createReadModelConnection,
  listPublishingRecordDocuments,
  migrateReadModel,
  readCheckpoint,
} from '@publisher/read-model';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import type pg from 'pg';
import { pino } from 'pino';
import t from 'tap';
import { startProjector } from '../src/projector.ts';
import { rebuildReadModels } from '../src/rebuild.ts';
import { foldAllEvents, loadAllRows } from './oracle.ts';
import { appendToRecord, appendWorkload, createRecord, event, listenForNotices } from './support.ts';

const database = await createTestDatabase('rebuild');
t.teardown(database.drop);
const store = createPostgresEventStore({ connectionString: database.url });
t.teardown(() => store.close());
await store.migrate();
const rm = createReadModelConnection({ connectionString: database.url });
t.teardown(rm.close);
await migrateReadModel(rm.pool);
const logger = pino({ level: 'silent' });

/** The live schema's audit and list counts, as kept and as a count of its rows gives them. */
async function auditCounts(pool: pg.Pool) {
  const byKey = (rows: Array<{ key: string; n: number }>) => Object.fromEntries(rows.map((r) => [r.key, r.n]));
  const kept = await pool.query(
    `SELECT account_id || ':' || site_id AS key, events::int AS n FROM read_model.audit_counts`,
  );
  const counted = await pool.query(
    `SELECT coalesce(account_id, 0) || ':' || coalesce(site_id, 0) AS key, count(*)::int AS n
       FROM read_model.audit_events GROUP BY 1`,
  );
  const listKept = await pool.query(
    `SELECT 'r:' || account_id || ':' || site_id || ':' || status AS key, total::int AS n FROM read_model.publishing_record_counts
     UNION ALL SELECT 'd:' || account_id || ':' || site_id || ':' || status, total::int FROM read_model.deployment_counts`,
  );
  const listCounted = await pool.query(
    `SELECT 'r:' || account_id || ':' || site_id || ':' || status AS key, count(*)::int AS n
       FROM read_model.publishing_records WHERE NOT deleted GROUP BY 1
     UNION ALL SELECT 'd:' || account_id || ':' || site_id || ':' || status, count(*)::int FROM read_model.deployments GROUP BY 1`,
  );
  return {
    kept: { ...byKey(kept.rows), ...byKey(listKept.rows.filter((r) => r.n !== 0)) },
    counted: { ...byKey(counted.rows), ...byKey(listCounted.rows) },
  };
}

t.test('rebuild replays into new tables while the old ones serve, then swaps', async (t) => {
  await appendWorkload(store, { records: 400, accounts: 4 });
  const projector = startProjector({ store, connectionString: database.url, logger, batchSize: 100 });
  t.teardown(() => projector.close());
  await waitUntil(
    'live projector caught up',
    async () => comparePositions((await readCheckpoint(rm.db)).position, await store.headPosition()) >= 0,
  );

  // Readers and writers keep going during the rebuild.
  let reading = true;
  let reads = 0;
  const readErrors: unknown[] = [];
  const reader = (async () => {
    while (reading) {
      try {
        const page = await listPublishingRecordDocuments(
          rm.reader,
          { account_id: 1, site_ids: null },
          {},
          { page_size: 5 },
        );
        if (page.count < 100) readErrors.push(new Error(`count dropped to ${page.count}`));
        reads++;
      } catch (err) {
        readErrors.push(err);
      }
    }
  })();
  let writing = true;
  const writer = (async () => {
    while (writing) await appendWorkload(store, { records: 5, accounts: 4, concurrency: 1 });
  })();

  // Readers caching answers must hear that every row may differ after the swap.
  const { notices, close } = await listenForNotices(database.url);
  t.teardown(close);

  const phases = new Set<string>();
  const result = await rebuildReadModels({
    store,
    connectionString: database.url,
    logger,
    batchSize: 250,
    positionsCountEvents: true,
    onProgress: (p) => phases.add(p.phase),
  });
  writing = false;
  await writer;
  reading = false;
  await reader;

  t.same([...phases], ['replaying', 'indexing', 'catching_up', 'swapping', 'done']);
  t.ok(result.events >= 400, `replayed ${result.events} events`);
  t.same(readErrors, [], `no read failed or saw partial data (${reads} reads)`);
  await waitUntil('the swap notice', () => notices.some((n) => n.accounts === undefined));
  const swap = notices.find((n) => n.accounts === undefined);
  t.match(swap, { schema: 'read_model', name: 'read_models', position: result.position }, 'a notice without accounts');
  t.ok(
    notices.filter((n) => n !== swap).every((n) => Array.isArray(n.accounts)),
    "the live projector's notices name their accounts",
  );

  // The readable head can lag the last append while any transaction on the cluster (the
  // projector's own batch, another test's) is older than it: first wait until every appended event
  // is readable (else the fold below could see events the projector could not yet), then until the
  // checkpoint reaches the head.
  const appended = Number((await rm.pool.query('select count(*)::int as n from event_store.events')).rows[0].n);
  await waitUntil('every appended event readable', async () => {
    let readable = 0;
    for (let after: string | null = null; ; ) {
      const batch = await store.readAll({ after, limit: 5000 });
      if (batch.length === 0) return readable === appended;
      readable += batch.length;
      after = batch[batch.length - 1]!.position;
    }
  });
  let last = await store.headPosition();
  await waitUntil('live projector continues on the new tables', async () => {
    last = await store.headPosition();
    return comparePositions((await readCheckpoint(rm.db)).position, last) >= 0;
  }).catch(async (err) => {
    // What a stall looks like, for whoever reads the failure.
    const activity = await rm.pool.query(
      `select datname, application_name, state, backend_xid::text, backend_xmin::text, wait_event_type, wait_event,
              now() - xact_start as in_xact, left(query, 120) as query
         from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`,
    );
    t.comment(JSON.stringify({ last, checkpoint: await readCheckpoint(rm.db), status: projector.status() }));
    t.comment(JSON.stringify({ snapshot: (await rm.pool.query('select pg_current_snapshot()::text')).rows[0] }));
    for (const row of activity.rows) t.comment(JSON.stringify(row));
    throw err;
  });
  const expected = await foldAllEvents(store);
  const actual = await loadAllRows(rm.db);
  t.equal(actual.records.size, expected.records.size);
  t.same(actual.records, expected.records, 'publishing records (and their documents) equal a fresh fold');
  t.same(actual.deployments, expected.deployments, 'deployments equal a fresh fold');
  const counts = await auditCounts(rm.pool);
  t.same(counts.kept, counts.counted, 'the audit and list counts equal a count of the rows');
  const schemas = await rm.pool.query(`select nspname from pg_namespace where nspname like 'read_model%' order by 1`);
  t.same(
    schemas.rows.map((r) => r.nspname),
    ['read_model', 'read_model_control'],
    'the old and the rebuild schemas are gone',
  );
  const indexes = await rm.pool.query(`select count(*)::int as n from pg_indexes where schemaname = 'read_model'`);
  t.ok(indexes.rows[0].n >= 11, 'the new tables have their indexes');
});

t.test('a poison event fails the rebuild and leaves the live read models alone', async (t) => {
  const r = await createRecord(store);
  await store.append(r.stream, [event('PublishingTeleported', { record_id: r.id })], 0);
  const before = await rm.pool.query('select count(*)::int as n from read_model.publishing_records');
  await t.rejects(rebuildReadModels({ store, connectionString: database.url, logger, batchSize: 500 }), {
    code: 'PROJECTION_REBUILD_FAILED',
    message: /PublishingTeleported.*live read models were not changed/,
  });
  const threaded = { maxTransactionMs: 0, replayThreads: 2 };
  await t.rejects(
    rebuildReadModels({ store, connectionString: database.url, logger, batchSize: 500, ...threaded }),
    {
      code: 'PROJECTION_REBUILD_FAILED',
      message: /cannot project event .* \(PublishingTeleported\).*live read models were not changed/,
    },
    "on several threads too: a thread's poison event fails the rebuild, named",
  );
  const after = await rm.pool.query('select count(*)::int as n from read_model.publishing_records');
  t.equal(after.rows[0].n, before.rows[0].n);
  const schemas = await rm.pool.query(`select 1 from pg_namespace where nspname = 'read_model_rebuild'`);
  t.equal(schemas.rowCount, 0, 'the half-built schema is dropped');
  await appendToRecord(store, r.id, 1, ['PublishingStarted', { attempt: 1 }]);
});

const replays = [
  { maxTransactionMs: 100, replayThreads: 1, how: 'writes taking turns with the fold' },
  { maxTransactionMs: 0, replayThreads: 1, how: 'writes beside the fold' },
  { maxTransactionMs: 0, replayThreads: 3, how: 'three threads, the log cut by stream' },
];
for (const { maxTransactionMs, replayThreads, how } of replays) {
  t.test(
    `a replay with room for a few rows in memory writes them out, reads them back, and equals a fresh fold (${how})`,
    async (t) => {
      const small = await createTestDatabase(`rebuild_evictions_${maxTransactionMs}_${replayThreads}`);
      t.teardown(small.drop);
      const log = createPostgresEventStore({ connectionString: small.url });
      t.teardown(() => log.close());
      await log.migrate();
      // Concurrent appends interleave records' events, so most records are touched by several batches.
      const events = await appendWorkload(log, { records: 120, accounts: 3, concurrency: 8, seed: 7 });
      await waitUntil('every event readable', async () => (await log.readAll({ limit: events + 1 })).length === events);
      const result = await rebuildReadModels({
        store: log,
        connectionString: small.url,
        logger,
        batchSize: 40,
        maxRows: 5,
        maxTransactionMs,
        replayThreads,
      });
      t.equal(result.events, events);
      const conn = createReadModelConnection({ connectionString: small.url });
      t.teardown(conn.close);
      const expected = await foldAllEvents(log);
      const actual = await loadAllRows(conn.db);
      t.equal(actual.records.size, 120);
      t.same(actual.records, expected.records, 'publishing records (and their documents) equal a fresh fold');
      t.same(actual.deployments, expected.deployments, 'deployments equal a fresh fold');
      const audit = await conn.pool.query('SELECT count(*)::int AS n FROM read_model.audit_events');
      t.equal(audit.rows[0].n, events, 'one audit row per event');
      const counts = await auditCounts(conn.pool);
      t.same(counts.kept, counts.counted, 'the audit and list counts equal a count of the rows');
      t.equal(
        Object.keys(counts.kept).filter((k) => /^\d/.test(k)).length,
        3,
        'one audit count per account (and its one site)',
      );
      t.equal((await readCheckpoint(conn.db)).position, result.position, 'the checkpoint is where the replay ended');
    },
  );
}
