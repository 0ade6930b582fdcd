import type { TenantScope } from '@publisher/platform';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import {
  compareAndSetCheckpoint,
  copyDeployments,
  copyPublishingRecords,
  createReadModelConnection,
  EVERY_TENANT,
  findDeploymentDocument,
  findPublishingRecordDocument,
  getSiteDeploymentStatus,
  isDataError,
  listDeploymentDocuments,
  listPublishingRecordDocuments,
  listStuckPublishingRecords,
  loadDeployments,
  loadPublishingRecords,
  migrateReadModel,
  narrowScope,
  READ_MODELS_PROJECTION,
  readCheckpoint,
  saveDeployments,
  savePublishingRecords,
} from '../src/index.ts';
import { MIGRATIONS } from '../src/schema-sql.ts';
import { deploymentRow, idsOf, recordRow } from './helpers.ts';

const database = await createTestDatabase('read_model');
t.teardown(database.drop);
const conn = createReadModelConnection({ connectionString: database.url });
t.teardown(conn.close);
const { db, pool, reader } = conn;

const account1: TenantScope = { account_id: 1, site_ids: null };
const account2: TenantScope = { account_id: 2, site_ids: null };
const anyAccount: TenantScope = { account_id: 'any', site_ids: null };

t.test('migrations are idempotent and can run concurrently', async (t) => {
  const results = await Promise.all([migrateReadModel(pool), migrateReadModel(pool), migrateReadModel(pool)]);
  t.same(results.flat(), [1, 2, 3, 4, 5, 6, 7, 8], 'versions 1 to 8 applied exactly once');
  t.same(await migrateReadModel(pool), [], 'nothing left to apply');
  const cp = await readCheckpoint(db);
  t.equal(cp.position, null, 'checkpoint starts before the first event');
  t.equal(cp.stopped, null);
});

t.test('two schemas migrating at once on a new database share the control and audit schemas', async (t) => {
  // Both create the shared schemas' tables (IF NOT EXISTS): without one lock over that step, two
  // transactions racing on the same new table fail on its catalog row (a unique violation).
  for (let trial = 0; trial < 5; trial++) {
    const fresh = await createTestDatabase(`read_model_two_schemas_${trial}`);
    const other = createReadModelConnection({ connectionString: fresh.url, max: 4 });
    try {
      const applied = await Promise.all([
        migrateReadModel(other.pool, { schema: 'read_model' }),
        migrateReadModel(other.pool, { schema: 'read_model_next' }),
      ]);
      t.same(applied, [MIGRATIONS.map((m) => m.version), MIGRATIONS.map((m) => m.version)], `trial ${trial}`);
    } finally {
      await other.close();
      await fresh.drop();
    }
  }
});

t.test('migration 3 stores the documents of rows written before documents existed', async (t) => {
  const schema = 'read_model_legacy';
  await pool.query(`CREATE SCHEMA ${schema}`);
  await pool.query(`CREATE TABLE ${schema}.migrations (version int PRIMARY KEY, description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const m of MIGRATIONS.slice(0, 2)) {
    await pool.query(m.sql(schema));
    await pool.query(`INSERT INTO ${schema}.migrations (version, description) VALUES ($1, $2)`, [
      m.version,
      m.description,
    ]);
  }
  await pool.query(`INSERT INTO ${schema}.publishing_records VALUES ('6f1c0e1a-0000-4000-8000-000000000001', 7, 70, 700,
    7000, 'webhook', '{"url": "https://x.test/h", "n": [1, 2.5]}', 'published', 'https://x.test/p', NULL, NULL, 2,
    '{"title": "a \\"q\\""}', 3, '2024-05-01 10:00:00.123456+00', '2024-05-01 10:00:01+00', '2024-05-01 10:00:01+00',
    false, '0000000000000001-0000000000000003', NULL)`);
  await pool.query(`INSERT INTO ${schema}.deployments VALUES ('6f1c0e1a-0000-4000-8000-000000000002', 7, 70, NULL, 4,
    'deployed', 'https://site.test', NULL, '{}', 2, '2024-05-01 10:00:00+00', '2024-05-01 10:00:02+00',
    '2024-05-01 10:00:02+00', NULL, '0000000000000001-0000000000000004', NULL)`);
  t.same(await migrateReadModel(pool, { schema }), [3, 4, 5, 6, 7, 8]);
  const counted = await pool.query(
    `SELECT 'records' AS list, account_id, site_id, status, total::int FROM ${schema}.publishing_record_counts
     UNION ALL SELECT 'deployments', account_id, site_id, status, total::int FROM ${schema}.deployment_counts ORDER BY 1`,
  );
  t.same(
    counted.rows,
    [
      { list: 'deployments', account_id: 7, site_id: 70, status: 'deployed', total: 1 },
      { list: 'records', account_id: 7, site_id: 70, status: 'published', total: 1 },
    ],
    'migration 8 counts the rows already stored',
  );
  const docs = await pool.query(
    `SELECT document FROM ${schema}.publishing_records UNION ALL SELECT document FROM ${schema}.deployments`,
  );
  t.same(
    docs.rows.map((r) => JSON.parse(r.document)),
    [
      {
        id: '6f1c0e1a-0000-4000-8000-000000000001',
        account_id: 7,
        site_id: 70,
        sector_id: 700,
        content_id: 7000,
        destination: 'webhook',
        destination_config: { url: 'https://x.test/h', n: [1, 2.5] },
        status: 'published',
        external_url: 'https://x.test/p',
        external_id: null,
        error_message: null,
        attempts: 2,
        metadata: { title: 'a "q"' },
        revision: 3,
        created_at: '2024-05-01T10:00:00.123Z',
        updated_at: '2024-05-01T10:00:01.000Z',
        published_at: '2024-05-01T10:00:01.000Z',
      },
      {
        id: '6f1c0e1a-0000-4000-8000-000000000002',
        account_id: 7,
        site_id: 70,
        sector_id: null,
        version: 4,
        status: 'deployed',
        deployment_url: 'https://site.test',
        error_message: null,
        metadata: {},
        revision: 2,
        created_at: '2024-05-01T10:00:00.000Z',
        updated_at: '2024-05-01T10:00:02.000Z',
        deployed_at: '2024-05-01T10:00:02.000Z',
        rolled_back_at: null,
      },
    ],
    'the representation as the API writes it, field for field',
  );
  await t.rejects(
    pool.query(`UPDATE ${schema}.deployments SET document = NULL`),
    { code: '23502' },
    'every row has a document from now on',
  );
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
});

t.test('migration 7 counts the audit rows already stored, one in flight, and every row after', async (t) => {
  const schema = 'read_model_before_counts';
  await pool.query(`CREATE SCHEMA ${schema}`);
  t.teardown(() => pool.query(`DROP SCHEMA ${schema} CASCADE`));
  await pool.query(`CREATE TABLE ${schema}.migrations (version int PRIMARY KEY, description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const m of MIGRATIONS.filter((m) => m.version < 7)) {
    await pool.query(m.sql(schema));
    await pool.query(`INSERT INTO ${schema}.migrations (version, description) VALUES ($1, $2)`, [
      m.version,
      m.description,
    ]);
  }
  let n = 0;
  const insert = (client: { query: typeof pool.query }, account: number | null, site: number | null) => {
    n += 1;
    return client.query(
      `INSERT INTO ${schema}.audit_events (event_id, position, type, aggregate, revision, account_id, site_id,
         occurred_at, recorded_at) VALUES (gen_random_uuid(), $1, 'Created', 'publishing_record', 0, $2, $3, now(), now())`,
      [String(n).padStart(33, '0'), account, site],
    );
  };
  await insert(pool, 7, 70);
  await insert(pool, 7, 70);
  await insert(pool, null, null);
  // A projector's batch in flight while the migration starts: counted once, by the backfill.
  const writer = await pool.connect();
  await writer.query('BEGIN');
  await insert(writer, 7, 71);
  const migrating = migrateReadModel(pool, { schema, indexes: false });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await writer.query('COMMIT');
  writer.release();
  t.same(await migrating, [7, 8]);
  await insert(pool, 8, 80);
  await insert(pool, 7, 70);
  const { rows } = await pool.query(
    `SELECT account_id, site_id, events::int FROM ${schema}.audit_counts ORDER BY account_id, site_id`,
  );
  t.same(rows, [
    { account_id: 0, site_id: 0, events: 1 },
    { account_id: 7, site_id: 70, events: 3 },
    { account_id: 7, site_id: 71, events: 1 },
    { account_id: 8, site_id: 80, events: 1 },
  ]);
});

/** A counts table's rows and what a count of its listed rows gives, as `account:site:status` → n. */
async function listCounts(table: 'publishing_records' | 'deployments', counts: string, listed: string) {
  const byKey = (rows: Array<{ key: string; n: number }>) => Object.fromEntries(rows.map((r) => [r.key, r.n]));
  const kept = await pool.query(
    `SELECT account_id || ':' || site_id || ':' || status AS key, total::int AS n FROM ${counts} WHERE total <> 0`,
  );
  const counted = await pool.query(
    `SELECT account_id || ':' || site_id || ':' || status AS key, count(*)::int AS n FROM ${table} WHERE ${listed} GROUP BY 1`,
  );
  return { kept: byKey(kept.rows), counted: byKey(counted.rows) };
}

t.test('triggers keep the list counts through inserts, upserts, deletions and truncation', async (t) => {
  const account = 177;
  const records = [1, 2, 3, 4].map((i) => recordRow({ account_id: account, site_id: 70 + (i % 2) }));
  await savePublishingRecords(db, records);
  const [a, b, c] = records as [(typeof records)[0], (typeof records)[0], (typeof records)[0]];
  // One statement: a status change, a deletion (hidden from lists), an edit of nothing counted, a new row.
  await savePublishingRecords(db, [
    { ...a, status: 'published', revision: 1 },
    { ...b, deleted: true, revision: 1 },
    { ...c, metadata: { edited: true }, revision: 1 },
    recordRow({ account_id: account, site_id: 72, status: 'failed' }),
  ]);
  let counts = await listCounts('publishing_records', 'publishing_record_counts', 'NOT deleted');
  t.same(counts.kept, counts.counted, 'publishing record counts equal a count of the listed rows');
  t.equal(counts.kept[`${account}:70:pending`], 1);
  t.equal(counts.kept[`${account}:71:published`], 1, 'the status change moved the record');
  const page = await listPublishingRecordDocuments(
    reader,
    { account_id: account, site_ids: null },
    {},
    { page_size: 2 },
  );
  t.equal(page.count, 4, 'the list counts the account’s listed records from the counts table');
  const failed = await listPublishingRecordDocuments(
    reader,
    { account_id: account, site_ids: [72] },
    { status: ['failed', 'pending'] },
    { page_size: 2 },
  );
  t.equal(failed.count, 1, 'by site and status too');

  const deployments = [1, 2].map(() => deploymentRow({ account_id: account, site_id: 70 }));
  await saveDeployments(db, deployments);
  await saveDeployments(db, [{ ...deployments[0]!, status: 'deployed', revision: 1 }]);
  counts = await listCounts('deployments', 'deployment_counts', 'true');
  t.same(counts.kept, counts.counted, 'deployment counts equal a count of the rows');
  t.equal(
    (
      await listDeploymentDocuments(
        reader,
        { account_id: account, site_ids: null },
        { status: ['deployed'] },
        { page_size: 5 },
      )
    ).count,
    1,
  );

  await pool.query('DELETE FROM publishing_records WHERE account_id = $1 AND site_id = 70', [account]);
  counts = await listCounts('publishing_records', 'publishing_record_counts', 'NOT deleted');
  t.same(counts.kept, counts.counted, 'a delete uncounts');
});

t.test('stuck records: publishing longer than the bound, oldest first, within the scope only', async (t) => {
  const stuck = (over: Parameters<typeof recordRow>[0]) => recordRow({ status: 'publishing', revision: 1, ...over });
  const oldest = stuck({ account_id: 188, site_id: 80 });
  const otherSite = stuck({ account_id: 188, site_id: 81 });
  const otherAccount = stuck({ account_id: 189, site_id: 80 });
  const pending = recordRow({ account_id: 188, site_id: 80 });
  const deleted = stuck({ account_id: 188, site_id: 80, deleted: true });
  const recent = stuck({ account_id: 188, site_id: 80 });
  await savePublishingRecords(db, [oldest, otherSite, otherAccount, pending, deleted, recent]);
  const before = new Date(recent.updated_at);
  const mine = new Set([oldest, otherSite, otherAccount, pending, deleted, recent].map((r) => r.id));
  const stuckIds = async (scope: TenantScope, limit = 10) =>
    (await listStuckPublishingRecords(pool, scope, { before, limit })).map((r) => r.id).filter((id) => mine.has(id));
  t.same(await stuckIds(EVERY_TENANT), [oldest.id, otherSite.id, otherAccount.id], 'every tenant: oldest first');
  t.same(await stuckIds({ account_id: 188, site_ids: null }), [oldest.id, otherSite.id], 'one account');
  t.same(await stuckIds({ account_id: 188, site_ids: [81] }), [otherSite.id], 'one account’s site');
  t.same(await stuckIds({ account_id: 188, site_ids: null }, 1), [oldest.id], 'the limit takes the oldest');
  const [row] = await listStuckPublishingRecords(pool, { account_id: 189, site_ids: null }, { before, limit: 1 });
  t.same(row, { id: otherAccount.id, revision: 1, attempts: 0, updated_at: new Date(otherAccount.updated_at) });
});

t.test('rows round-trip through save and load, JSON and timestamps intact', async (t) => {
  const { document: _, ...row } = recordRow({ account_id: 9, metadata: { nested: { a: [1, 'two', null] } } });
  await savePublishingRecords(db, [{ ...row, document: '{}' }]);
  t.same((await loadPublishingRecords(db, EVERY_TENANT, [row.id])).get(row.id), row);
  const updated = { ...row, status: 'published' as const, external_url: 'https://x.test/1', revision: 3 };
  await savePublishingRecords(db, [{ ...updated, document: '{}' }]);
  t.same((await loadPublishingRecords(db, EVERY_TENANT, [row.id])).get(row.id), updated, 'upsert replaces the row');
  t.same([...(await loadPublishingRecords(db, account2, [row.id])).keys()], [], 'loads are scoped too');

  const { document: __, ...deployment } = deploymentRow({ account_id: 9, metadata: { commit: 'abc' } });
  await saveDeployments(db, [{ ...deployment, document: '{}' }]);
  t.same((await loadDeployments(db, EVERY_TENANT, [deployment.id])).get(deployment.id), deployment);
  t.same([...(await loadDeployments(db, account2, [deployment.id])).keys()], [], 'deployment loads are scoped');
});

t.test('COPY writes what a save writes: escapes, JSON, nulls and times intact; never replaces', async (t) => {
  const odd = 'tab\there, line\nbreak, cr\r, back\\slash \\N, "quotes", ünïcode 🚀, \\.';
  const record = recordRow({
    account_id: 9,
    destination: odd,
    error_message: odd,
    external_url: null,
    external_id: null,
    published_at: null,
    destination_config: { url: odd, nested: [1, null, { a: '\\' }] },
    metadata: { note: odd, empty: {} },
    deleted: true,
    document: `{"x":${JSON.stringify(odd)}}`,
  });
  const deployment = deploymentRow({ account_id: 9, error_message: odd, metadata: { commit: odd }, deployed_at: null });
  const client = await pool.connect();
  t.teardown(() => client.release());
  await copyPublishingRecords(client, [record]);
  await copyDeployments(client, [deployment]);
  const { document: recordDocument, ...recordFields } = record;
  const { document: deploymentDocument, ...deploymentFields } = deployment;
  t.same((await loadPublishingRecords(db, EVERY_TENANT, [record.id])).get(record.id), recordFields);
  t.same((await loadDeployments(db, EVERY_TENANT, [deployment.id])).get(deployment.id), deploymentFields);
  const { rows } = await pool.query<{ document: string }>(
    `SELECT document FROM read_model.publishing_records WHERE id = $1
     UNION ALL SELECT document FROM read_model.deployments WHERE id = $2`,
    [record.id, deployment.id],
  );
  t.same(
    rows.map((r) => r.document),
    [recordDocument, deploymentDocument],
    'documents stored as they are',
  );
  const err = await copyPublishingRecords(client, [record]).catch((e: unknown) => e);
  t.match(err, { code: '23505' }, 'a row already stored fails the COPY');
  t.ok(isDataError(err), 'and counts as the data’s fault');
  t.notOk(isDataError(Object.assign(new Error('gone'), { code: '57P01' })), 'a terminated connection does not');
  t.notOk(isDataError(new Error('no code')));
});

t.test('lists: tenancy, filters, ordering, pages and counts', async (t) => {
  const mine = [
    recordRow({ site_id: 11, status: 'failed', content_id: 7 }),
    recordRow({ site_id: 11, status: 'published', destination: 'wordpress' }),
    recordRow({ site_id: 12, status: 'pending' }),
    recordRow({ site_id: 12, status: 'pending', deleted: true }),
  ];
  const theirs = [recordRow({ account_id: 2, site_id: 11, status: 'failed', content_id: 7 })];
  await savePublishingRecords(db, [...mine, ...theirs]);
  const list = (scope: TenantScope, filters: object = {}, page: object = {}) =>
    listPublishingRecordDocuments(reader, scope, filters, { page_size: 10, ...page });

  const all = await list(account1, { content_id: undefined });
  t.equal(all.count, 3, 'deleted rows and other accounts are not counted');
  t.same(idsOf(all), [mine[2]!.id, mine[1]!.id, mine[0]!.id], 'newest first by default');
  t.equal(
    all.documents,
    `[${[mine[2]!.document, mine[1]!.document, mine[0]!.document].join(',')}]`,
    'the stored documents, as one JSON array',
  );
  t.same(idsOf(await list(account1, { status: ['failed'] })), [mine[0]!.id]);
  t.same(idsOf(await list(account1, { status: ['failed', 'published'] })), [mine[1]!.id, mine[0]!.id]);
  t.same(idsOf(await list(account1, { destination: 'wordpress' })), [mine[1]!.id]);
  t.equal((await list(anyAccount, { content_id: 7 })).count, 2, 'a privileged scope sees both accounts');
  t.same(idsOf(await list(narrowScope(anyAccount, 2), { content_id: 7 })), [theirs[0]!.id]);
  t.throws(() => narrowScope(account1, 2), { code: 'FORBIDDEN_ACCOUNT' });
  t.same(idsOf(await list({ account_id: 1, site_ids: [12] })), [mine[2]!.id], 'site_ids restrict');
  t.equal((await list({ account_id: 1, site_ids: [] })).count, 0, 'an empty site list sees nothing');
  const range = await list(account1, { created_after: mine[1]!.created_at, created_before: mine[2]!.created_at });
  t.same(idsOf(range), [mine[1]!.id], 'after is inclusive, before exclusive');

  const p1 = await list(account1, {}, { page_size: 2, ordering: 'created_at' });
  const p2 = await list(account1, {}, { page_size: 2, ordering: 'created_at', page: 2 });
  const p3 = await list(account1, {}, { page_size: 2, ordering: 'created_at', page: 3 });
  t.same([...idsOf(p1), ...idsOf(p2)], [mine[0]!.id, mine[1]!.id, mine[2]!.id]);
  t.same([p1.count, p2.count, p3.count], [3, 3, 3], 'the count is there past the last page too');
  t.equal(p3.documents, '[]');
  t.same(p3.previous, { page: 2 }, 'past the last page, previous names the last page');
  t.equal(p3.next, null);
  t.equal(p1.previous, null, 'the first page has no previous');
});

t.test('cursors walk every page both ways, whatever the ordering, NULLs last', async (t) => {
  const account = 40;
  const scope: TenantScope = { account_id: account, site_ids: null };
  // Ties on every ordering field, and published_at NULL on half of them.
  const same = '2024-06-01T00:00:00.000Z';
  const rows = Array.from({ length: 9 }, (_, i) =>
    recordRow({
      account_id: account,
      created_at: i < 4 ? same : `2024-06-${String(2 + i).padStart(2, '0')}T00:00:00.000Z`,
      updated_at: same,
      published_at: i % 2 ? null : `2024-07-0${1 + (i % 3)}T00:00:00.000Z`,
    }),
  );
  await savePublishingRecords(db, rows);
  const orderings = [
    'created_at',
    '-created_at',
    'updated_at',
    '-updated_at',
    'published_at',
    '-published_at',
  ] as const;
  for (const ordering of orderings) {
    const field = ordering.replace('-', '') as 'created_at' | 'updated_at' | 'published_at';
    const desc = ordering.startsWith('-');
    // The expected order, derived here: the field (NULLs last), then the id, in the same direction.
    const expected = [...rows]
      .sort((a, b) => {
        const x = a[field];
        const y = b[field];
        if (x !== y) {
          if (x === null) return 1;
          if (y === null) return -1;
          return (x < y ? -1 : 1) * (desc ? -1 : 1);
        }
        return (a.id < b.id ? -1 : 1) * (desc ? -1 : 1);
      })
      .map((r) => r.id);
    const forwards: string[] = [];
    const pages = [];
    let request: { cursor?: string } = {};
    for (;;) {
      const page = await listPublishingRecordDocuments(reader, scope, {}, { page_size: 2, ordering, ...request });
      pages.push(page);
      t.equal(page.count, 9, `${ordering}: count on every page`);
      forwards.push(...idsOf(page));
      if (page.next === null) break;
      if (!('cursor' in page.next)) throw new Error('a next link is a cursor');
      request = { cursor: page.next.cursor };
    }
    t.same(forwards, expected, `${ordering}: next links visit every row once, in order`);
    t.equal(pages.length, 5);
    t.equal(pages[0]!.previous, null);
    const backwards: string[] = [];
    let previous = pages.at(-1)!.previous;
    while (previous !== null) {
      if (!('cursor' in previous)) throw new Error('a previous link is a cursor');
      const page = await listPublishingRecordDocuments(
        reader,
        scope,
        {},
        {
          page_size: 2,
          ordering,
          cursor: previous.cursor,
        },
      );
      backwards.unshift(...idsOf(page));
      previous = page.previous;
    }
    t.same(backwards, expected.slice(0, 8), `${ordering}: previous links walk back to the first row`);
  }
  await t.rejects(
    listPublishingRecordDocuments(reader, scope, {}, { page_size: 2, ordering: 'created_at', cursor: 'bm9wZQ' }),
    { code: 'INVALID_CURSOR' },
    'a cursor this list did not hand out',
  );
  const first = await listPublishingRecordDocuments(reader, scope, {}, { page_size: 2, ordering: 'created_at' });
  const next = first.next && 'cursor' in first.next ? first.next.cursor : '';
  await t.rejects(
    listPublishingRecordDocuments(reader, scope, {}, { page_size: 2, ordering: '-created_at', cursor: next }),
    { code: 'INVALID_CURSOR' },
    'a cursor of another ordering',
  );
});

t.test('by id: a document within the scope, never another tenant’s or a deleted one', async (t) => {
  const kept = recordRow({ account_id: 5, site_id: 50, revision: 4 });
  const deleted = recordRow({ account_id: 5, site_id: 50, deleted: true });
  await savePublishingRecords(db, [kept, deleted]);
  t.same(await findPublishingRecordDocument(reader, { account_id: 5, site_ids: null }, kept.id), {
    revision: 4,
    document: kept.document,
  });
  t.same(
    (await findPublishingRecordDocument(reader, anyAccount, kept.id.toUpperCase()))?.revision,
    4,
    'ids in any case',
  );
  for (const [scope, id, why] of [
    [{ account_id: 6, site_ids: null }, kept.id, 'another account'],
    [{ account_id: 5, site_ids: [51] }, kept.id, 'a site outside site_ids'],
    [{ account_id: 5, site_ids: null }, deleted.id, 'deleted'],
    [{ account_id: 5, site_ids: null }, 'not-a-uuid', 'a malformed id'],
  ] as const) {
    t.equal(await findPublishingRecordDocument(reader, scope, id), undefined, why);
  }
  const v1 = deploymentRow({ account_id: 5, site_id: 50 });
  await saveDeployments(db, [v1]);
  t.equal((await findDeploymentDocument(reader, { account_id: 5, site_ids: null }, v1.id))?.document, v1.document);
  t.equal(await findDeploymentDocument(reader, account1, v1.id), undefined);
});

t.test('deployments and the per-site view', async (t) => {
  const v1 = deploymentRow({ site_id: 50, version: 1, status: 'deployed', deployment_url: 'https://v1.test' });
  const v2 = deploymentRow({ site_id: 50, version: 2, status: 'rolled_back', deployment_url: 'https://v2.test' });
  const v3 = deploymentRow({ site_id: 50, version: 3, status: 'failed', error_message: 'boom' });
  const other = deploymentRow({ account_id: 2, site_id: 50, version: 1, status: 'deployed' });
  await saveDeployments(db, [v1, v2, v3, other]);

  t.match(await getSiteDeploymentStatus(db, account1, 50), {
    account_id: 1,
    deployments_count: 3,
    live: { deployment_id: v1.id, version: 1, deployment_url: 'https://v1.test' },
    last_deployment: { deployment_id: v3.id, version: 3, status: 'failed', error_message: 'boom' },
  });
  t.match(await getSiteDeploymentStatus(db, narrowScope(anyAccount, 2), 50), { account_id: 2, deployments_count: 1 });
  await t.rejects(getSiteDeploymentStatus(db, anyAccount, 50), { code: 'TENANT_SCOPE_REQUIRED' }, 'one account');
  t.equal(await getSiteDeploymentStatus(db, { account_id: 1, site_ids: [51] }, 50), undefined, 'site not allowed');
  t.equal(await getSiteDeploymentStatus(db, account1, 999), undefined);

  const list = await listDeploymentDocuments(
    reader,
    account1,
    { site_id: 50 },
    { page_size: 10, ordering: '-version' },
  );
  t.same(idsOf(list), [v3.id, v2.id, v1.id]);
  t.equal(list.count, 3);
  t.same(idsOf(await listDeploymentDocuments(reader, account1, { version: 2 }, { page_size: 10 })), [v2.id]);
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
  const read = async () => idsOf(await listPublishingRecordDocuments(reader, scope, {}, { page_size: 10 }));
  const find = async (id: string) => (await findPublishingRecordDocument(reader, scope, id))?.document;
  t.same(await read(), [before.id]);
  t.equal(await find(before.id), before.document, 'prepares the lookup');
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
  t.equal(await find(before.id), undefined, 'the lookup (its own prepared statement) too');
  t.equal(await find(after.id), after.document);
  await pool.query('DROP SCHEMA read_model_prev CASCADE');
  t.same(await read(), [after.id]);
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
