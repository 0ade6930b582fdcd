import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import {
  compareAndSetCheckpoint,
  createReadModelConnection,
  getDeployment,
  getPublishingRecord,
  getSiteDeploymentStatus,
  inTenantScope,
  listDeployments,
  listPublishingRecords,
  loadPublishingRecordDocuments,
  loadPublishingRecords,
  migrateReadModel,
  narrowScope,
  READ_MODELS_PROJECTION,
  readCheckpoint,
  saveDeployments,
  savePublishingRecords,
  type TenantScope,
} from '../src/index.ts';
import { deploymentRow, recordRow } from './helpers.ts';

const database = await createTestDatabase('read_model');
t.teardown(database.drop);
const conn = createReadModelConnection({ connectionString: database.url });
t.teardown(conn.close);
const { db, pool } = conn;

const account1: TenantScope = { account_id: 1, site_ids: null };
const account2: TenantScope = { account_id: 2, site_ids: null };
const anyAccount: TenantScope = { account_id: 'any', site_ids: null };

t.test('migrations are idempotent and can run concurrently', async (t) => {
  const results = await Promise.all([migrateReadModel(pool), migrateReadModel(pool), migrateReadModel(pool)]);
  t.same(results.flat(), [1, 2, 3], 'versions 1 to 3 applied exactly once');
  t.same(await migrateReadModel(pool), [], 'nothing left to apply');
  const cp = await readCheckpoint(db);
  t.equal(cp.position, null, 'checkpoint starts before the first event');
  t.equal(cp.stopped, null);
});

t.test('rows round-trip through save and load, JSON and timestamps intact', async (t) => {
  const row = recordRow({ account_id: 9, metadata: { nested: { a: [1, 'two', null] }, s: 'x"y\\z' } });
  await savePublishingRecords(db, [row]);
  const loaded = await loadPublishingRecords(db, [row.id]);
  t.same(loaded.get(row.id), row);
  const updated = { ...row, status: 'published' as const, external_url: 'https://x.test/1', revision: 3 };
  await savePublishingRecords(db, [updated]);
  t.same((await loadPublishingRecords(db, [row.id])).get(row.id), updated, 'upsert replaces the row');
});

t.test('lists: tenancy, filters, ordering, pagination and counts', async (t) => {
  const mine = [
    recordRow({ site_id: 11, status: 'failed', content_id: 7 }),
    recordRow({ site_id: 11, status: 'published', destination: 'wordpress' }),
    recordRow({ site_id: 12, status: 'pending' }),
    recordRow({ site_id: 12, status: 'pending', deleted: true }),
  ];
  const theirs = [recordRow({ account_id: 2, site_id: 11, status: 'failed', content_id: 7 })];
  await savePublishingRecords(db, [...mine, ...theirs]);

  const all = await listPublishingRecords(db, account1, { page: 1, page_size: 10 });
  t.equal(all.count, 3, 'deleted and other accounts are not counted');
  t.same(
    all.rows.map((r) => r.id),
    [mine[2]!.id, mine[1]!.id, mine[0]!.id],
    'newest first by default',
  );
  t.ok(
    all.rows.every((r) => r.account_id === 1),
    'only own account',
  );

  const failed = await listPublishingRecords(db, account1, { page: 1, page_size: 10, filters: { status: ['failed'] } });
  t.same(
    failed.rows.map((r) => r.id),
    [mine[0]!.id],
  );
  const byContent = await listPublishingRecords(db, anyAccount, { page: 1, page_size: 10, filters: { content_id: 7 } });
  t.equal(byContent.count, 2, 'privileged scope sees both accounts');
  const narrowed = narrowScope(anyAccount, 2);
  const theirsOnly = await listPublishingRecords(db, narrowed, { page: 1, page_size: 10, filters: { content_id: 7 } });
  t.same(
    theirsOnly.rows.map((r) => r.id),
    [theirs[0]!.id],
  );
  t.throws(() => narrowScope(account1, 2), { code: 'FORBIDDEN_ACCOUNT' });

  const sites = await listPublishingRecords(db, { account_id: 1, site_ids: [12] }, { page: 1, page_size: 10 });
  t.same(
    sites.rows.map((r) => r.id),
    [mine[2]!.id],
    'site_ids claim restricts',
  );
  const noSites = await listPublishingRecords(db, { account_id: 1, site_ids: [] }, { page: 1, page_size: 10 });
  t.equal(noSites.count, 0, 'an empty site list sees nothing');

  const p1 = await listPublishingRecords(db, account1, { page: 1, page_size: 2, ordering: 'created_at' });
  const p2 = await listPublishingRecords(db, account1, { page: 2, page_size: 2, ordering: 'created_at' });
  const p3 = await listPublishingRecords(db, account1, { page: 3, page_size: 2, ordering: 'created_at' });
  t.same(
    [...p1.rows, ...p2.rows].map((r) => r.id),
    [mine[0]!.id, mine[1]!.id, mine[2]!.id],
  );
  t.same([p1.count, p2.count, p3.count], [3, 3, 3], 'count is there past the last page too');
  t.same(p3.rows, []);

  const range = await listPublishingRecords(db, account1, {
    page: 1,
    page_size: 10,
    filters: { created_after: mine[1]!.created_at, created_before: mine[2]!.created_at },
  });
  t.same(
    range.rows.map((r) => r.id),
    [mine[1]!.id],
    'after is inclusive, before exclusive',
  );

  t.equal(await getPublishingRecord(db, account2, mine[0]!.id), undefined, "another tenant's record is invisible");
  t.equal(await getPublishingRecord(db, account1, mine[3]!.id), undefined, 'deleted record is invisible');
  t.equal((await getPublishingRecord(db, account1, mine[0]!.id))?.id, mine[0]!.id);
});

t.test('deployments and the per-site view', async (t) => {
  const v1 = deploymentRow({ site_id: 50, version: 1, status: 'deployed', deployment_url: 'https://v1.test' });
  const v2 = deploymentRow({ site_id: 50, version: 2, status: 'rolled_back', deployment_url: 'https://v2.test' });
  const v3 = deploymentRow({ site_id: 50, version: 3, status: 'failed', error_message: 'boom' });
  const other = deploymentRow({ account_id: 2, site_id: 50, version: 1, status: 'deployed' });
  await saveDeployments(db, [v1, v2, v3, other]);

  const status = await getSiteDeploymentStatus(db, account1, 50);
  t.match(status, {
    account_id: 1,
    deployments_count: 3,
    live: { deployment_id: v1.id, version: 1, deployment_url: 'https://v1.test' },
    last_deployment: { deployment_id: v3.id, version: 3, status: 'failed', error_message: 'boom' },
  });
  t.equal(await getSiteDeploymentStatus(db, { account_id: 1, site_ids: [51] }, 50), undefined, 'site not allowed');
  t.equal(await getSiteDeploymentStatus(db, account1, 999), undefined);

  const list = await listDeployments(db, account1, { page: 1, page_size: 10, ordering: '-version' });
  t.same(
    list.rows.map((r) => r.version),
    [3, 2, 1],
  );
  t.equal(list.count, 3);
  t.equal(await getDeployment(db, account2, v1.id), undefined);
  t.same(await getDeployment(db, account1, v1.id), v1);
});

t.test('checkpoint compare-and-set', async (t) => {
  const a = '0000000000000001-0000000000000001';
  const b = '0000000000000001-0000000000000002';
  t.equal(await compareAndSetCheckpoint(db, READ_MODELS_PROJECTION, null, a), true);
  t.equal(await compareAndSetCheckpoint(db, READ_MODELS_PROJECTION, null, b), false, 'stale expectation refused');
  t.equal(await compareAndSetCheckpoint(db, READ_MODELS_PROJECTION, a, b), true);
  t.equal((await readCheckpoint(db)).position, b);
});

t.test('after a schema swap, prepared reads see the new tables at once', async (t) => {
  const scope: TenantScope = { account_id: 77, site_ids: null };
  const before = recordRow({ account_id: 77, content_id: 1 });
  await savePublishingRecords(db, [before]);
  const read = async () => (await listPublishingRecords(db, scope, { page: 1, page_size: 10 })).rows.map((r) => r.id);
  t.same(await read(), [before.id]);
  t.same([...(await loadPublishingRecordDocuments(pool, [before.id])).keys()], [before.id], 'prepares the lookup');
  t.same(await read(), [before.id], 'twice: the statement is prepared on the connection now');

  await migrateReadModel(pool, { schema: 'read_model_next' });
  const next = createReadModelConnection({ connectionString: database.url, schema: 'read_model_next' });
  const after = recordRow({ account_id: 77, content_id: 2 });
  await savePublishingRecords(next.db, [after]);
  await next.close();
  await pool.query(
    'BEGIN; ALTER SCHEMA read_model RENAME TO read_model_prev; ALTER SCHEMA read_model_next RENAME TO read_model; COMMIT',
  );
  t.same(await read(), [after.id], 'the same connection and statement now read the swapped-in tables');
  t.same(
    [...(await loadPublishingRecordDocuments(pool, [before.id, after.id])).keys()],
    [after.id],
    'the document lookup (its own prepared statement) too',
  );
  await pool.query('DROP SCHEMA read_model_prev CASCADE');
  t.same(await read(), [after.id]);
});

t.test('inTenantScope says what the SQL tenancy predicate says', async (t) => {
  const rows = [];
  for (const account_id of [1, 2, 3])
    for (const site_id of [10, 11, 12]) rows.push(recordRow({ account_id, site_id, content_id: 9000 + rows.length }));
  await savePublishingRecords(db, rows);
  const scopes: TenantScope[] = [];
  for (const account_id of [1, 2, 'any'] as const)
    for (const site_ids of [null, [], [10], [11, 12], [99]]) scopes.push({ account_id, site_ids });
  for (const scope of scopes) {
    for (const row of rows) {
      const sql = (await getPublishingRecord(db, scope, row.id)) !== undefined;
      t.equal(
        inTenantScope(scope, row),
        sql,
        `${JSON.stringify(scope)} / account ${row.account_id} site ${row.site_id}`,
      );
    }
  }
});

t.test('an idle connection killed by the server reaches onPoolError without the pg client', async (t) => {
  let lost: ((err: Error) => void) | undefined;
  const errors = new Promise<Error>((resolve) => {
    lost = resolve;
  });
  const watched = createReadModelConnection({ connectionString: database.url, onPoolError: (err) => lost?.(err) });
  t.teardown(watched.close);
  const client = await watched.pool.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  client.release(); // idle in the pool now
  await pool.query('SELECT pg_terminate_backend($1)', [pid]);
  const err = await errors;
  t.match(err.message, /terminating connection/);
  t.notOk('client' in err, 'no client to dump into a log line');
  t.equal((await watched.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1, 'the pool reconnects');
});
