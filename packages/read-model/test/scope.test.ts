/**
 * Tenancy in one place: every query function the package exports takes the caller's TenantScope
 * and refuses to run without one. The test enumerates the exports, so a new query function cannot
 * be added without being listed here, called without a scope, and seen to refuse — and to answer
 * its scope's rows and none of another account's or another site's.
 */
import { inScope, type TenantScope } from '@publisher/platform';
import { createTestDatabase } from '@publisher/testing';
import { sql } from 'kysely';
import t from 'tap';
import { RequestParams } from '../src/batched-reader.ts';
import {
  accessLogWriter,
  copyAuditEvents,
  createReadModelConnection,
  EVERY_TENANT,
  migrateReadModel,
  type ReadModelConnection,
  saveDeployments,
  savePublishingRecords,
} from '../src/index.ts';
import { scopeSql, withTenantScope } from '../src/scope.ts';
import { deploymentRow, recordRow } from './helpers.ts';

/**
 * Every export of the package, to enumerate. Imported by a computed path: a namespace import would
 * count every export as used for knip (`pnpm lint`), hiding the ones no other package uses.
 */
const readModel: Record<string, unknown> = await import(new URL('../src/index.ts', import.meta.url).href);

const database = await createTestDatabase('read_model_scope');
t.teardown(database.drop);
const conn = createReadModelConnection({ connectionString: database.url });
t.teardown(conn.close);
await migrateReadModel(conn.pool);

const ID = '6f1c0e1a-0000-4000-8000-0000000000ff';

/** Read queries: what they take before the scope, and after it. */
const QUERIES: Record<string, { on: (c: ReadModelConnection) => unknown; args: unknown[] }> = {
  listPublishingRecordDocuments: { on: (c) => c.reader, args: [{}, { page_size: 10 }] },
  listDeploymentDocuments: { on: (c) => c.reader, args: [{}, { page_size: 10 }] },
  findPublishingRecordDocument: { on: (c) => c.reader, args: [ID] },
  findDeploymentDocument: { on: (c) => c.reader, args: [ID] },
  getSiteDeploymentStatus: { on: (c) => c.db, args: [10] },
  loadPublishingRecords: { on: (c) => c.db, args: [[ID]] },
  loadDeployments: { on: (c) => c.db, args: [[ID]] },
  searchAuditEvents: { on: (c) => c.reader, args: [{ page_size: 10 }] },
  listRecordsCreatedBy: { on: (c) => c.db, args: [{ as_of: '2024-05-01T00:00:00Z', limit: 10 }] },
  listAccessLog: { on: (c) => c.db, args: [{ page_size: 10 }] },
  listStuckPublishingRecords: { on: (c) => c.pool, args: [{ before: new Date(), limit: 10 }] },
};

/** Exported functions that read no tenant's rows, and why. */
const NOT_QUERIES: Record<string, string> = {
  narrowScope: 'the scope itself',
  createReadModelConnection: 'opens a pool',
  readModelSessionOptions: 'connection settings',
  migrateReadModel: 'schema',
  createReadModelIndexes: 'schema',
  readCheckpoint: 'the projection’s checkpoint, no tenant data',
  compareAndSetCheckpoint: 'the projection’s checkpoint',
  checkpointNoticeSql: 'the projection’s checkpoint',
  markProjectionStopped: 'the projection’s checkpoint',
  clearProjectionStopped: 'the projection’s checkpoint',
  skipEvent: 'operators’ decisions, no tenant data',
  skippedEventIds: 'operators’ decisions, no tenant data',
  savePublishingRecords: 'the projector’s writes (it serves every tenant)',
  saveDeployments: 'the projector’s writes (it serves every tenant)',
  ForbiddenAccountError: 'an error',
  InvalidCursorError: 'an error',
  copyAuditEvents: 'the projector’s writes (it serves every tenant)',
  copyPublishingRecords: 'the projector’s writes (it serves every tenant)',
  copyDeployments: 'the projector’s writes (it serves every tenant)',
  isDataError: 'classifies a database error; no query',
  accessLogWriter: 'the read API’s writes to the access log, grouped (each entry names its account)',
  packCursor: 'encodes a cursor; no query',
  unpackCursor: 'decodes a cursor; no query',
  countsSql: 'schema (a rebuild fills its counts tables)',
};

t.test('every exported function is a scoped query or listed as no query', async (t) => {
  const functions = Object.entries(readModel)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name);
  for (const name of functions) t.ok(name in QUERIES !== name in NOT_QUERIES, `${name} is classified once`);
  for (const name of [...Object.keys(QUERIES), ...Object.keys(NOT_QUERIES)]) t.ok(functions.includes(name), name);
});

t.test('no query runs without a scope; each runs with one', async (t) => {
  const scope: TenantScope = { account_id: 1, site_ids: null };
  const exports = readModel as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const [name, { on, args }] of Object.entries(QUERIES)) {
    const query = exports[name]!;
    for (const missing of [
      undefined,
      null,
      {},
      { account_id: 0, site_ids: null },
      { account_id: 1, site_ids: ['2'] },
    ]) {
      await t.rejects(
        async () => query(on(conn), missing, ...args),
        { code: 'TENANT_SCOPE_REQUIRED' },
        `${name} without a scope: ${JSON.stringify(missing)}`,
      );
    }
    await t.resolves(query(on(conn), scope, ...args), `${name} with a scope`);
  }
});

t.test('each query answers its scope’s rows and none of another tenant’s', async (t) => {
  // Account 2's rows in every table the queries read: a query that took its scope and then
  // ignored it would answer them to account 1.
  const record = recordRow({ account_id: 2, site_id: 20, status: 'publishing' });
  const deployment = deploymentRow({ account_id: 2, site_id: 20 });
  await savePublishingRecords(conn.db, [record]);
  await saveDeployments(conn.db, [deployment]);
  const client = await conn.pool.connect();
  try {
    await copyAuditEvents(client, [
      {
        event_id: '6f1c0e1a-0000-4000-8000-0000000000a1',
        position: '0000000000000001-0000000000000001',
        type: 'PublishingRecordCreated',
        aggregate: 'publishing_record',
        record_id: record.id,
        revision: 0,
        account_id: 2,
        site_id: 20,
        sector_id: 100,
        actor_user_id: 'ann',
        actor_role: 'editor',
        correlation_id: null,
        occurred_at: record.created_at,
        recorded_at: record.created_at,
      },
    ]);
  } finally {
    client.release();
  }
  await accessLogWriter(conn.db)([
    {
      account_id: 2,
      site_id: null,
      reader_user_id: 'sam',
      reader_role: 'support',
      reader_account_id: null,
      action: 'audit_search',
      record_kind: null,
      record_id: null,
      query: {},
      request_id: 'r-1',
    },
  ]);
  const later = new Date(Date.parse(record.updated_at) + 60_000);
  /** Each query's arguments after the scope, and how many of account 2's rows its answer holds. */
  const READS: Record<keyof typeof QUERIES, { args: unknown[]; found: (answer: never) => number }> = {
    listPublishingRecordDocuments: {
      args: [{}, { page_size: 10 }],
      found: (a: { documents: string }) => JSON.parse(a.documents).length,
    },
    listDeploymentDocuments: {
      args: [{}, { page_size: 10 }],
      found: (a: { documents: string }) => JSON.parse(a.documents).length,
    },
    findPublishingRecordDocument: { args: [record.id], found: (a: unknown) => (a === undefined ? 0 : 1) },
    findDeploymentDocument: { args: [deployment.id], found: (a: unknown) => (a === undefined ? 0 : 1) },
    getSiteDeploymentStatus: { args: [20], found: (a: unknown) => (a === undefined ? 0 : 1) },
    loadPublishingRecords: { args: [[record.id]], found: (a: Map<string, unknown>) => a.size },
    loadDeployments: { args: [[deployment.id]], found: (a: Map<string, unknown>) => a.size },
    searchAuditEvents: { args: [{ page_size: 10 }], found: (a: { rows: unknown[] }) => a.rows.length },
    listRecordsCreatedBy: {
      args: [{ as_of: later.toISOString(), limit: 10 }],
      found: (a: { records: unknown[] }) => a.records.length,
    },
    listAccessLog: { args: [{ page_size: 10 }], found: (a: { rows: unknown[] }) => a.rows.length },
    listStuckPublishingRecords: { args: [{ before: later, limit: 10 }], found: (a: unknown[]) => a.length },
  };
  const exports = readModel as Record<string, (...args: unknown[]) => Promise<never>>;
  for (const [name, { on }] of Object.entries(QUERIES)) {
    const { args, found } = READS[name]!;
    const query = exports[name]!;
    t.equal(
      found(await query(on(conn), { account_id: 2, site_ids: null }, ...args)),
      1,
      `${name}: account 2 sees its row`,
    );
    t.equal(
      found(await query(on(conn), { account_id: 2, site_ids: [21] }, ...args)),
      0,
      `${name}: not from another of its sites`,
    );
    t.equal(
      found(await query(on(conn), { account_id: 1, site_ids: null }, ...args)),
      0,
      `${name}: account 1 sees none`,
    );
  }
});

t.test('the SQL builders refuse a missing scope too', async (t) => {
  t.throws(() => withTenantScope(conn.db.selectFrom('deployments'), undefined as never), {
    code: 'TENANT_SCOPE_REQUIRED',
  });
  t.throws(() => scopeSql(undefined as never, 'r', new RequestParams()), {
    code: 'TENANT_SCOPE_REQUIRED',
  });
  const params = new RequestParams();
  t.equal(
    scopeSql({ account_id: 3, site_ids: [4, 5] }, 'r', params),
    'r.account_id = q.p1 AND r.site_id = any(q.p2::int[])',
  );
  t.same(params.values, [3, '{4,5}']);
  t.equal(scopeSql(EVERY_TENANT, 'r', new RequestParams()), 'true');
});

type Tenant = { account_id: number; site_id: number };

t.test('the platform’s inScope agrees with both SQL builders for every shape of scope', async (t) => {
  const tenants: Tenant[] = [1, 2].flatMap((account_id) => [10, 20, 30].map((site_id) => ({ account_id, site_id })));
  const values = `VALUES ${tenants.map((x) => `(${x.account_id}, ${x.site_id})`).join(', ')}`;
  const scopes: TenantScope[] = [
    EVERY_TENANT,
    { account_id: 'any', site_ids: [20] },
    { account_id: 1, site_ids: null },
    { account_id: 1, site_ids: [10, 30] },
    { account_id: 2, site_ids: [10] },
    { account_id: 1, site_ids: [] },
    { account_id: 3, site_ids: null },
  ];
  for (const scope of scopes) {
    const expected = tenants.filter((tenant) => inScope(scope, tenant));

    const params = new RequestParams();
    const where = scopeSql(scope, 'r', params);
    const placeholders = params.values.map((_, i) => `$${i + 1}`);
    // The condition names the request's parameters `q.pN`; here they are the statement's `$N`.
    const condition = where.replace(/q\.p(\d+)/g, (_, n: string) => placeholders[Number(n) - 1]!);
    const { rows } = await conn.pool.query<Tenant>(
      `SELECT r.account_id, r.site_id FROM (${values}) AS r(account_id, site_id) WHERE ${condition} ORDER BY 1, 2`,
      params.values,
    );
    t.same(rows, expected, `scopeSql ${JSON.stringify(scope)}`);

    const table = sql<Tenant>`(SELECT * FROM (${sql.raw(values)}) AS v(account_id, site_id))`.as('r');
    const selected = await withTenantScope(conn.db.selectFrom(table).select(['account_id', 'site_id']), scope)
      .orderBy('account_id')
      .orderBy('site_id')
      .execute();
    t.same(selected, expected, `withTenantScope ${JSON.stringify(scope)}`);
  }
});
